/* strpool.h — strings the gateway keeps as long as their owner, packed.
 *
 * The bound screens' ids, sites and service hours live in one pool per
 * binding (10,000 screens: ~150 KB instead of 10,000 fixed 1.2 KB rows); the
 * few distinct audit reasons are interned once so each channel holds a
 * pointer instead of its own 160-byte copy.
 */
#ifndef DECRAN_GW_STRPOOL_H
#define DECRAN_GW_STRPOOL_H

struct gw_strblock;

struct gw_strpool {
	struct gw_strblock *head;	/* the block being filled, then older ones */
};

/* A copy of s that stays valid until gw_strpool_free(p); "" is not copied.
 * NULL when out of memory. */
const char *gw_strpool_add(struct gw_strpool *p, const char *s);
void gw_strpool_free(struct gw_strpool *p);

/* The one copy of s, valid until gw_intern_free() ("" when out of memory). */
const char *gw_intern(const char *s);
void gw_intern_free(void);

#endif
