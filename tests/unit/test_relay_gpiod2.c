/* test_relay_gpiod2.c — the libgpiod 2.x path of firmware/hal_gpiod.c,
 * built against the 2.x API (tests/mock/gpiod2/gpiod.h) over simulated
 * chips: a Pi 5, whose 40-pin header is the chip labelled "pinctrl-rp1",
 * found by its label; outputs requested at their boot level; feedback
 * inputs with pull-up; everything released on close and on failure. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

static char fake_dev[64];
#define FW_GPIO_DEV_DIR fake_dev
#undef DECRAN_GPIOD_MAJOR
#define DECRAN_GPIOD_MAJOR 2
#include "hal_gpiod.c"

/* ---- the simulated chips ---- */

#define NLINES 64
struct sim_line {
	bool requested, output, active_low;
	enum gpiod_line_bias bias;
	int level;		/* physical: 1 high, 0 low */
	char consumer[32];
};
static struct sim_chip {
	const char *name, *label;
	struct sim_line line[NLINES];
} chips[] = {
	{ "gpiochip0", "gpio-brcmstb@107d508500", { { 0 } } },
	{ "gpiochip4", "pinctrl-rp1", { { 0 } } },
};
#define NCHIPS (sizeof chips / sizeof *chips)
static int live_requests, live_chips;

struct gpiod_chip { struct sim_chip *c; };
struct gpiod_chip_info { struct sim_chip *c; };
struct gpiod_line_settings {
	enum gpiod_line_direction dir;
	bool active_low;
	enum gpiod_line_value out;
	enum gpiod_line_bias bias;
};
struct gpiod_line_config { unsigned offset; size_t n; struct gpiod_line_settings s; };
struct gpiod_request_config { char consumer[32]; };
struct gpiod_line_request { struct sim_chip *c; unsigned offset; };

struct gpiod_chip *gpiod_chip_open(const char *path)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	for (size_t i = 0; i < NCHIPS; i++)
		if (!strcmp(chips[i].name, base)) {
			struct gpiod_chip *ch = malloc(sizeof *ch);
			ch->c = &chips[i];
			live_chips++;
			return ch;
		}
	errno = ENOENT;
	return NULL;
}

void gpiod_chip_close(struct gpiod_chip *chip)
{
	live_chips--;
	free(chip);
}

struct gpiod_chip_info *gpiod_chip_get_info(struct gpiod_chip *chip)
{
	struct gpiod_chip_info *i = malloc(sizeof *i);
	i->c = chip->c;
	return i;
}

const char *gpiod_chip_info_get_name(struct gpiod_chip_info *info) { return info->c->name; }
const char *gpiod_chip_info_get_label(struct gpiod_chip_info *info) { return info->c->label; }
void gpiod_chip_info_free(struct gpiod_chip_info *info) { free(info); }

struct gpiod_line_settings *gpiod_line_settings_new(void)
{
	struct gpiod_line_settings *s = calloc(1, sizeof *s);
	s->dir = GPIOD_LINE_DIRECTION_AS_IS;
	s->bias = GPIOD_LINE_BIAS_AS_IS;
	return s;
}

void gpiod_line_settings_free(struct gpiod_line_settings *s) { free(s); }

int gpiod_line_settings_set_direction(struct gpiod_line_settings *s, enum gpiod_line_direction d)
{
	s->dir = d;
	return 0;
}

void gpiod_line_settings_set_active_low(struct gpiod_line_settings *s, bool a) { s->active_low = a; }

int gpiod_line_settings_set_output_value(struct gpiod_line_settings *s, enum gpiod_line_value v)
{
	s->out = v;
	return 0;
}

int gpiod_line_settings_set_bias(struct gpiod_line_settings *s, enum gpiod_line_bias b)
{
	s->bias = b;
	return 0;
}

struct gpiod_line_config *gpiod_line_config_new(void) { return calloc(1, sizeof(struct gpiod_line_config)); }
void gpiod_line_config_free(struct gpiod_line_config *c) { free(c); }

int gpiod_line_config_add_line_settings(struct gpiod_line_config *c, const unsigned *offsets,
					size_t n, struct gpiod_line_settings *s)
{
	assert_int_equal(n, 1);		/* hal_gpiod.c: one line per request */
	c->offset = offsets[0];
	c->n = n;
	c->s = *s;
	return 0;
}

struct gpiod_request_config *gpiod_request_config_new(void) { return calloc(1, sizeof(struct gpiod_request_config)); }
void gpiod_request_config_free(struct gpiod_request_config *c) { free(c); }

void gpiod_request_config_set_consumer(struct gpiod_request_config *c, const char *consumer)
{
	snprintf(c->consumer, sizeof c->consumer, "%s", consumer);
}

struct gpiod_line_request *gpiod_chip_request_lines(struct gpiod_chip *chip,
						    struct gpiod_request_config *rc,
						    struct gpiod_line_config *lc)
{
	struct sim_line *l = &chip->c->line[lc->offset];
	if (lc->offset >= NLINES || l->requested) {
		errno = EBUSY;
		return NULL;
	}
	*l = (struct sim_line){ .requested = true,
				.output = lc->s.dir == GPIOD_LINE_DIRECTION_OUTPUT,
				.active_low = lc->s.active_low, .bias = lc->s.bias, .level = l->level };
	snprintf(l->consumer, sizeof l->consumer, "%s", rc->consumer);
	if (l->output)
		l->level = (lc->s.out == GPIOD_LINE_VALUE_ACTIVE) != l->active_low;
	struct gpiod_line_request *r = malloc(sizeof *r);
	r->c = chip->c;
	r->offset = lc->offset;
	live_requests++;
	return r;
}

void gpiod_line_request_release(struct gpiod_line_request *r)
{
	r->c->line[r->offset].requested = false;
	live_requests--;
	free(r);
}

enum gpiod_line_value gpiod_line_request_get_value(struct gpiod_line_request *r, unsigned off)
{
	const struct sim_line *l = &r->c->line[off];
	assert_int_equal(off, r->offset);
	return (l->level != 0) != l->active_low ? GPIOD_LINE_VALUE_ACTIVE : GPIOD_LINE_VALUE_INACTIVE;
}

int gpiod_line_request_set_value(struct gpiod_line_request *r, unsigned off, enum gpiod_line_value v)
{
	struct sim_line *l = &r->c->line[off];
	assert_int_equal(off, r->offset);
	assert_true(l->output);
	l->level = (v == GPIOD_LINE_VALUE_ACTIVE) != l->active_low;
	return 0;
}

/* ---- tests ---- */

static int setup(void **state)
{
	(void)state;
	snprintf(fake_dev, sizeof fake_dev, "/tmp/decran-gpiod2-XXXXXX");
	assert_non_null(mkdtemp(fake_dev));
	for (size_t i = 0; i < NCHIPS; i++) {
		char p[128];
		snprintf(p, sizeof p, "%s/%s", fake_dev, chips[i].name);
		FILE *f = fopen(p, "w");
		assert_non_null(f);
		fclose(f);
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (size_t i = 0; i < NCHIPS; i++) {
		char p[128];
		snprintf(p, sizeof p, "%s/%s", fake_dev, chips[i].name);
		unlink(p);
	}
	rmdir(fake_dev);
	return 0;
}

static struct fw_config cfg;

static struct fw_hal *open_hal(const char *json, bool ch1_on, char *err, size_t errlen)
{
	assert_int_equal(fw_config_parse(json, strlen(json), &cfg, err, errlen), 0);
	bool initial[DC_MAX_CHANNELS] = { [0] = ch1_on };
	return fw_hal_open(&cfg, initial, err, errlen);
}

static void pi5_header_found_by_label(void **state)
{
	(void)state;
	char err[256];
	struct fw_hal *h = open_hal("{\"box\":\"b\",\"channels\":["
				    "{\"channel\":1,\"chip\":\"pinctrl-rp1\",\"line\":5,"
				    "\"feedback\":{\"line\":4}},"
				    "{\"channel\":2,\"chip\":\"/dev/gpiochip4\",\"line\":6}]}",
				    true, err, sizeof err);
	assert_non_null(h);
	struct sim_line *out = &chips[1].line[5], *in = &chips[1].line[4];
	/* on at boot, NO, active-low: coil energised = line low, in the request */
	assert_true(out->requested && out->output);
	assert_int_equal(out->level, 0);
	assert_string_equal(out->consumer, "decran-relay");
	assert_int_equal(chips[1].line[6].level, 1);		/* channel 2 off */
	assert_false(chips[0].line[5].requested);		/* not the other chip */
	/* the feedback input: pull-up, active-low */
	assert_true(in->requested && !in->output);
	assert_int_equal(in->bias, GPIOD_LINE_BIAS_PULL_UP);
	assert_true(in->active_low);
	in->level = 0;						/* contact closed */
	assert_int_equal(fw_hal_contact(h, 1), 1);
	in->level = 1;
	assert_int_equal(fw_hal_contact(h, 1), 0);
	assert_int_equal(fw_hal_contact(h, 2), -1);		/* no feedback */
	assert_int_equal(fw_hal_set(h, 1, false), 0);
	assert_int_equal(out->level, 1);
	assert_int_equal(live_chips, 0);	/* requests outlive their chip handle */
	assert_int_equal(live_requests, 3);
	fw_hal_close(h);
	assert_int_equal(live_requests, 0);
}

static void missing_chip_named_and_nothing_left_claimed(void **state)
{
	(void)state;
	char err[256];
	/* A Pi 4 configuration on a Pi 5: no chip labelled pinctrl-bcm2711. */
	assert_null(open_hal("{\"box\":\"b\",\"channels\":["
			     "{\"channel\":1,\"chip\":\"gpiochip4\",\"line\":5},"
			     "{\"channel\":2,\"chip\":\"pinctrl-bcm2711\",\"line\":6}]}",
			     false, err, sizeof err));
	assert_non_null(strstr(err, "channels[1]"));
	assert_non_null(strstr(err, "pinctrl-bcm2711"));
	assert_int_equal(live_requests, 0);
	assert_int_equal(live_chips, 0);
	/* A line already taken (by another program): named, released. */
	chips[1].line[6].requested = true;
	assert_null(open_hal("{\"box\":\"b\",\"channels\":["
			     "{\"channel\":1,\"chip\":\"pinctrl-rp1\",\"line\":5},"
			     "{\"channel\":2,\"chip\":\"pinctrl-rp1\",\"line\":6}]}",
			     false, err, sizeof err));
	assert_non_null(strstr(err, "channels[1]: pinctrl-rp1 line 6"));
	chips[1].line[6].requested = false;
	assert_int_equal(live_requests, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pi5_header_found_by_label),
		cmocka_unit_test(missing_chip_named_and_nothing_left_claimed),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
