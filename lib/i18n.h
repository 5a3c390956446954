/* i18n.h — user-facing language and locale formatting.
 *
 * French is the default; English when LANGUAGE/LC_ALL/LC_MESSAGES/LANG
 * (first non-empty, in POSIX precedence) starts with "en".  Messages are
 * written in place as TR("français", "English") so both stay side by side
 * and a reader never hunts through a catalogue.
 */
#ifndef DECRAN_I18N_H
#define DECRAN_I18N_H

#include <stddef.h>
#include <time.h>

enum dc_lang { DC_LANG_FR = 0, DC_LANG_EN = 1 };

/* The calling thread's language: its own dc_set_lang choice, else the
 * environment's (read once per process). */
enum dc_lang dc_lang(void);
/* Choose the calling thread's language (tests, HTTP Accept-Language,
 * ?lang=): other threads keep theirs, so a request served on one thread
 * never changes the text of another (a worker's log, another request). */
void dc_set_lang(enum dc_lang lang);
/* Parse "fr", "en", "en_GB.UTF-8"...; returns -1 when neither. */
int dc_lang_parse(const char *s);

#define TR(fr, en) (dc_lang() == DC_LANG_EN ? (en) : (fr))

/* Format a number with `decimals` digits in the given language:
 * FR "1 234,5" (narrow no-break space U+202F between thousands),
 * EN "1,234.5".  Returns buf (always NUL-terminated; "?" if too small). */
char *dc_fmt_num(char *buf, size_t len, double v, int decimals, enum dc_lang lang);

/* Format a calendar date: FR "23/11/2026", EN "2026-11-23" (ISO, unambiguous). */
char *dc_fmt_date(char *buf, size_t len, int year, int month, int day, enum dc_lang lang);

#endif
