/* screen.c — names, labels and defaults of the screen model. */
#include "screen.h"

#include <math.h>
#include <string.h>

#include "i18n.h"

static const char *const category_names[DC_CAT__COUNT] = {
	"advertising", "information", "school", "library",
	"early_childhood", "transport", "other",
};
static const char *const category_fr[DC_CAT__COUNT] = {
	"Publicité", "Information", "École", "Bibliothèque",
	"Petite enfance", "Transport", "Autre",
};
static const char *const category_en[DC_CAT__COUNT] = {
	"Advertising", "Information", "School", "Library",
	"Early childhood", "Transport", "Other",
};
static const char *const status_names[DC_STATUS__COUNT] = {
	"active", "reduced", "slated_for_removal", "removed",
};
static const char *const status_fr[DC_STATUS__COUNT] = {
	"En service", "Réduit", "Dépose prévue", "Déposé",
};
static const char *const status_en[DC_STATUS__COUNT] = {
	"Active", "Reduced", "Slated for removal", "Removed",
};
static const char *const tech_names[DC_TECH__COUNT] = { "LCD", "LED", "other" };
static const char *const display_names[DC_DISPLAY__COUNT] = { "unknown", "fixed", "animated" };
static const char *const display_fr[DC_DISPLAY__COUNT] = {
	"Non déclaré", "Images fixes", "Images animées",
};
static const char *const display_en[DC_DISPLAY__COUNT] = {
	"Not declared", "Fixed images", "Animated images",
};

static int lookup(const char *const *names, int n, const char *s)
{
	if (!s)
		return -1;
	for (int i = 0; i < n; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

const char *dc_category_name(enum dc_category c)
{
	return (unsigned)c < DC_CAT__COUNT ? category_names[c] : "?";
}

const char *dc_status_name(enum dc_status s)
{
	return (unsigned)s < DC_STATUS__COUNT ? status_names[s] : "?";
}

const char *dc_tech_name(enum dc_tech t)
{
	return (unsigned)t < DC_TECH__COUNT ? tech_names[t] : "?";
}

const char *dc_display_name(enum dc_display d)
{
	return (unsigned)d < DC_DISPLAY__COUNT ? display_names[d] : "?";
}

const char *dc_display_label(enum dc_display d)
{
	if ((unsigned)d >= DC_DISPLAY__COUNT)
		return "?";
	return TR(display_fr[d], display_en[d]);
}

const char *dc_category_label(enum dc_category c)
{
	if ((unsigned)c >= DC_CAT__COUNT)
		return "?";
	return TR(category_fr[c], category_en[c]);
}

const char *dc_status_label(enum dc_status s)
{
	if ((unsigned)s >= DC_STATUS__COUNT)
		return "?";
	return TR(status_fr[s], status_en[s]);
}

int dc_category_parse(const char *s)
{
	return lookup(category_names, DC_CAT__COUNT, s);
}

int dc_status_parse(const char *s)
{
	return lookup(status_names, DC_STATUS__COUNT, s);
}

int dc_tech_parse(const char *s)
{
	return lookup(tech_names, DC_TECH__COUNT, s);
}

int dc_display_parse(const char *s)
{
	return lookup(display_names, DC_DISPLAY__COUNT, s);
}

bool dc_transport_exemption_applies(unsigned flags, enum dc_display display)
{
	return (flags & DC_FLAG_TRANSPORT_FURNITURE) && display == DC_DISPLAY_FIXED;
}

bool dc_display_undeclared(const struct dc_screen *s)
{
	return (s->flags & DC_FLAG_TRANSPORT_FURNITURE) && !(s->flags & DC_FLAG_AIRPORT) &&
	       s->status != DC_STATUS_REMOVED && s->display == DC_DISPLAY_UNKNOWN;
}

void dc_screen_init(struct dc_screen *s)
{
	memset(s, 0, sizeof *s);
	s->lat = s->lon = NAN;	/* no position (see dc_field_set) */
	s->category = DC_CAT_OTHER;
	s->tech = DC_TECH_LCD;
	s->status = DC_STATUS_ACTIVE;
	s->baseline_hours = 24.0;
}

bool dc_slug_valid(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n >= DC_ID_MAX)
		return false;
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9')))
		return false;
	for (size_t i = 1; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return false;
	}
	return true;
}
