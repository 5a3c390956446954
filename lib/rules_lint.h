/* rules_lint.h — does every scope of a rule set reach a screen of the
 * inventory?
 *
 * A rule scoped to "Creche Les Coccinelles" when the site is "Crèche Les
 * Coccinelles", or a derogation naming "pub-gare-1" for "pub-gare-01", is
 * valid JSON and compiles, yet silently concerns no screen.  The lint
 * compares the rules with the inventory's values and says which field of
 * which rule matches nothing, with the nearest existing value (compared
 * without case or accents).  Pure: rules and screen views in, findings out.
 *
 *   error    a site or screen id (scope or derogation) that no screen has;
 *            a scope naming sites or screens whose kinds exclude each other
 *   warning  a category, status or flag no screen has yet, or a scope made
 *            of those only that matches no screen (a rule written ahead of
 *            the inventory, e.g. "removed" before any screen is removed)
 */
#ifndef DECRAN_RULES_LINT_H
#define DECRAN_RULES_LINT_H

#include <stdbool.h>
#include <stddef.h>

#include "rules.h"
#include "schedule.h"

enum dc_lint_severity { DC_LINT_ERROR, DC_LINT_WARNING };

struct dc_lint_finding {
	enum dc_lint_severity severity;
	char path[96];		/* "policies[2].scope.sites[0]", "derogations[0].screens[1]" */
	char rule[200];		/* the policy's id, or the derogation's reference */
	bool derogation;	/* rule names a derogation, not a policy */
	char value[208];	/* what matches nothing; "" for a whole scope */
	char suggestion[208];	/* the nearest existing value, "" when none is near */
};

struct dc_lint {
	struct dc_lint_finding *v;
	size_t n, cap;
	size_t errors;
};

/* Check r against the screens; findings in rule order.  -1 only when out
 * of memory (the findings so far stay in *out). */
int dc_rules_lint(const struct dc_rules *r, const struct dc_sched_screen *screens, size_t n,
		  struct dc_lint *out);
void dc_lint_free(struct dc_lint *l);
/* One line, in the current language (TR), without the severity. */
size_t dc_lint_message(const struct dc_lint_finding *f, char *buf, size_t len);

/* s lower-cased, accents and ligatures folded to ASCII (é → e, œ → oe,
 * ’ → '), for comparisons a person would make; always NUL-terminated. */
void dc_fold(const char *s, char *out, size_t len);
/* Levenshtein distance between a and b (bytes). */
size_t dc_edit_distance(const char *a, const char *b);

#endif
