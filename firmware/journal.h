/* journal.h — switches the box made on its own, kept until the gateway
 * acknowledges them (pure data structure + JSON codec; the daemon persists
 * it atomically and publishes it on decran/<box>/journal).
 *
 * Each entry has a sequence number that only grows (also across restarts)
 * so the gateway can deduplicate and acknowledge "everything up to seq N".
 * When full, the oldest entry is dropped and counted in `dropped`, so the
 * gateway knows the ledger has a hole instead of silently missing it.
 */
#ifndef DECRAN_FW_JOURNAL_H
#define DECRAN_FW_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arbiter.h"

#define FW_JOURNAL_CAP 4096

struct fw_journal_entry {
	uint64_t seq;
	int channel;
	bool on;
	enum fw_source src;
	int64_t t;		/* UTC seconds */
};

struct fw_journal {
	uint64_t next_seq;	/* seq of the next entry; starts at 1 */
	uint64_t dropped;	/* entries lost to the cap since the last ack */
	size_t cap, n, head;	/* ring: entries[head .. head+n) mod cap */
	struct fw_journal_entry *e;
};

int fw_journal_init(struct fw_journal *j, size_t cap);
void fw_journal_free(struct fw_journal *j);
void fw_journal_add(struct fw_journal *j, int channel, bool on, enum fw_source src, int64_t t);
/* Drop entries with seq <= upto; returns how many were dropped. */
size_t fw_journal_ack(struct fw_journal *j, uint64_t upto);
const struct fw_journal_entry *fw_journal_at(const struct fw_journal *j, size_t i);
/* {"v":1,"box":..,"next":N,"dropped":D,"entries":[{"seq":..,"ch":..,"on":..,"src":..,"t":..}]}
 * At most `max` entries (the oldest first).  malloc'd, NULL on OOM. */
char *fw_journal_encode(const struct fw_journal *j, const char *box, size_t max);
/* Restore from the persisted form (same JSON).  -1 with a message, j untouched. */
int fw_journal_decode(struct fw_journal *j, const char *json, size_t len, char *err,
		      size_t errlen);

#endif
