/* web_tech.c — login, logout and the technician's desk (boxes, alarms,
 * relay test, binding, overrides).  Every form carries a CSRF token; a POST
 * without the right one is refused with 403 before anything is done. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "boxview.h"
#include "overrides.h"
#include "rules.h"
#include "store.h"
#include "web_internal.h"

#define LOGIN_COOKIE "dc_login"
#define SESSION_COOKIE "dc_session"

static void message(struct web_req *r, const char *cls, const char *text)
{
	dc_html(&r->body, "<p class=\"%s\" role=\"%s\">%s</p>\n", cls,
		strcmp(cls, "error") == 0 ? "alert" : "status", text);
}

/* --- login / logout ----------------------------------------------------- */

/* Where to go after logging in: a box page or its label (the QR code's),
 * else the desk. */
static const char *login_next(const char *next)
{
	char id[DC_ID_MAX];
	if (!next || strncmp(next, "/box/", 5))
		return "/tech";
	size_t n = strcspn(next + 5, "/");
	if (n >= sizeof id || (next[5 + n] && strcmp(next + 5 + n, "/label")))
		return "/tech";
	memcpy(id, next + 5, n);
	id[n] = '\0';
	return dc_slug_valid(id) ? next : "/tech";
}

static void login_form(struct web_req *r, const char *error, const char *user)
{
	char token[DC_TOKEN_HEX];
	if (dc_random_hex(token) < 0) {
		web_error(r, 500, "getrandom");
		return;
	}
	/* Login CSRF: the form's token must equal this cookie's (double
	 * submit); SameSite=Strict keeps other sites from sending it. */
	web_add_cookie(r, LOGIN_COOKIE, token, 1800);
	r->no_store = true;
	web_page_begin(r, TR("Connexion", "Log in"), "tech");
	dc_html(&r->body, "<h1>%s</h1>\n", TR("Connexion des techniciens", "Technicians' log-in"));
	if (error)
		message(r, "error", error);
	const char *next = login_next(r->is_post ? web_form(r, "next") : web_arg(r, "next"));
	dc_html(&r->body, "<form method=\"post\" action=\"/login\" class=\"stack\">\n"
		"<input type=\"hidden\" name=\"next\" value=\"%s\">\n", next);
	dc_html(&r->body, "<input type=\"hidden\" name=\"csrf\" value=\"%s\">\n"
		"<div><label for=\"l-user\">%s</label>"
		"<input id=\"l-user\" name=\"user\" autocomplete=\"username\" required maxlength=\"63\" value=\"%s\"></div>\n"
		"<div><label for=\"l-pass\">%s</label>"
		"<input id=\"l-pass\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required maxlength=\"256\"></div>\n"
		"<div><button type=\"submit\">%s</button></div>\n</form>\n",
		token, TR("Identifiant", "User name"), user ? user : "",
		TR("Mot de passe", "Password"), TR("Se connecter", "Log in"));
	dc_html(&r->body, "<p>%s</p>\n", TR("Les comptes sont créés par un administrateur avec "
					    "« decran users add ».",
					    "Accounts are created by an administrator with "
					    "'decran users add'."));
	web_page_end(r);
}

static void login_post(struct web_req *r)
{
	const char *csrf = web_form(r, "csrf"), *cookie = web_cookie(r, LOGIN_COOKIE);
	if (!csrf || !cookie || strlen(csrf) != DC_TOKEN_HEX - 1 || strcmp(csrf, cookie) != 0) {
		web_error(r, 403, TR("Formulaire refusé : jeton anti-falsification (CSRF) manquant ou "
				     "invalide. Rechargez la page de connexion.",
				     "Form refused: anti-forgery (CSRF) token missing or invalid. "
				     "Reload the log-in page."));
		return;
	}
	const char *user = web_form(r, "user"), *pass = web_form(r, "password");
	if (!user || !pass || !*user || !*pass) {
		r->status = 400;
		login_form(r, TR("Identifiant et mot de passe sont requis.",
				 "User name and password are required."), NULL);
		return;
	}
	char ukey[96], ikey[96];
	snprintf(ukey, sizeof ukey, "u:%.63s", user);
	snprintf(ikey, sizeof ikey, "ip:%s", r->ip);
	int wu = dc_rl_wait(&r->w->rl, ukey, r->wall), wi = dc_rl_wait(&r->w->rl, ikey, r->wall);
	int wait = wu > wi ? wu : wi;
	if (wait > 0) {
		char msg[200];
		snprintf(msg, sizeof msg, TR("Trop de tentatives manquées : réessayez dans %d s.",
					     "Too many failed attempts: try again in %d s."), wait);
		r->status = 429;
		r->retry_after = wait;
		login_form(r, msg, user);
		return;
	}
	enum dc_role role = DC_ROLE_NONE;
	int ok = dc_user_name_valid(user) ? dc_user_check(r->w->st, user, pass, &role) : 0;
	if (ok < 0) {
		web_error(r, 500, TR("Erreur de la base de données.", "Database error."));
		return;
	}
	if (!ok) {
		dc_rl_fail(&r->w->rl, ukey, r->wall);
		dc_rl_fail(&r->w->rl, ikey, r->wall);
		r->status = 401;
		login_form(r, TR("Identifiant ou mot de passe incorrect.",
				 "Wrong user name or password."), user);
		return;
	}
	dc_rl_clear(&r->w->rl, ukey);
	dc_rl_clear(&r->w->rl, ikey);
	char token[DC_TOKEN_HEX];
	if (dc_session_create(r->w->sessions, r->w->st, user, r->wall, r->w->cfg.session_hours * 3600, token,
			      &r->sess) < 0) {
		web_error(r, 500, TR("Erreur de la base de données.", "Database error."));
		return;
	}
	web_add_cookie(r, SESSION_COOKIE, token, r->w->cfg.session_hours * 3600);
	web_add_cookie(r, LOGIN_COOKIE, "", 0);
	explicit_bzero(token, sizeof token);
	web_redirect(r, login_next(web_form(r, "next")));
}

void page_login(struct web_req *r)
{
	if (r->is_post) {
		login_post(r);
		return;
	}
	static const char *const params[] = { "next", NULL };
	if (web_args_only(r, params) < 0)
		return;
	if (r->sess.valid) {
		web_redirect(r, login_next(web_arg(r, "next")));
		return;
	}
	login_form(r, NULL, NULL);
}

void page_logout(struct web_req *r)
{
	if (!web_csrf_ok(r)) {
		web_error(r, 403, TR("Formulaire refusé : jeton anti-falsification (CSRF) manquant ou "
				     "invalide.", "Form refused: anti-forgery (CSRF) token missing or invalid."));
		return;
	}
	dc_session_delete(r->w->sessions, web_cookie(r, SESSION_COOKIE));
	web_add_cookie(r, SESSION_COOKIE, "", 0);
	web_redirect(r, "/");
}

/* --- the desk ------------------------------------------------------------ */

/* rc: 0 listed, -1 the hook failed, -2 no hook. */
static void boxes_section(struct web_req *r, int rc, const struct dc_web_box *boxes, size_t n)
{
	dc_html(&r->body, "<section aria-labelledby=\"h-boxes\" id=\"boxes\" data-refresh=\"10\">\n"
		"<h2 id=\"h-boxes\">%s</h2>\n", TR("Boîtiers", "Boxes"));
	if (rc == -2) {
		message(r, "note", TR("Passerelle non connectée : état des boîtiers inconnu.",
				      "Gateway not connected: box states unknown."));
	} else if (rc < 0) {
		message(r, "error", TR("Passerelle injoignable : état des boîtiers inconnu.",
				       "Gateway unreachable: box states unknown."));
	} else {
		dc_html(&r->body, "<div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-labelledby=\"box-cap\"><table class=\"data\" id=\"box-table\">\n<caption id=\"box-cap\">%s</caption>\n"
			"<thead><tr><th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
			"<th scope=\"col\">%s</th><th scope=\"col\">%s</th></tr></thead>\n<tbody>\n",
			TR("Boîtiers relais connus de la passerelle", "Relay boxes known to the gateway"),
			TR("Boîtier", "Box"), TR("Connexion", "Link"), TR("Vu pour la dernière fois", "Last seen"),
			TR("Voies allumées", "Channels on"), TR("Type (pilote, version)", "Kind (driver, version)"));
		for (size_t i = 0; i < n; i++) {
			char seen[48];
			struct dc_buf on = { 0 };
			for (int c = 1; c <= boxes[i].channels && c <= 32; c++)
				if (boxes[i].relay_on & (1u << (c - 1)))
					dc_buf_printf(&on, "%s%d", on.len ? ", " : "", c);
			/* An offline box says nothing of its relays now. */
			int link = boxes[i].heard ? boxes[i].online : -1;
			const char *relays = dc_chan_view(link, "off") == DC_CHAN_UNKNOWN
						     ? TR("inconnu", "unknown")
						     : on.len ? on.p : TR("aucune", "none");
			dc_html(&r->body, "<tr data-box=\"%s\"><th scope=\"row\"><a href=\"/box/%s\">%s</a></th>"
				"<td class=\"%s\">%s</td><td>%s</td><td class=\"relays\">%s</td><td>%s</td></tr>\n",
				boxes[i].id, boxes[i].id, boxes[i].id, boxes[i].online ? "ok" : "bad",
				boxes[i].online ? TR("en ligne", "online") : TR("hors ligne", "offline"),
				web_fmt_time(seen, sizeof seen, boxes[i].last_seen, r->lang),
				relays, boxes[i].firmware);
			dc_buf_free(&on);
		}
		if (!n)
			dc_html(&r->body, "<tr><td colspan=\"5\">%s</td></tr>\n",
				TR("Aucun boîtier connu.", "No box known."));
		dc_html(&r->body, "</tbody>\n</table></div>\n");
	}
	dc_html(&r->body, "</section>\n");
}

/* What a technician in the street waits for after pressing "Test". */
static void tests_section(struct web_req *r)
{
	struct gw_relay_test *t = NULL;
	size_t n = 0;
	if (!r->w->hooks.list_tests || r->w->hooks.list_tests(r->w->hooks.arg, &t, &n) < 0)
		return;
	/* Refreshed in place by app.js while the technician watches. */
	dc_html(&r->body, "<section aria-labelledby=\"h-tests\" id=\"tests\" data-refresh=\"2\">\n"
		"<h2 id=\"h-tests\">%s</h2>\n"
		"<div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-labelledby=\"test-cap\"><table class=\"data\" id=\"test-table\">\n<caption id=\"test-cap\">%s</caption>\n"
		"<thead><tr><th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
		"<th scope=\"col\">%s</th><th scope=\"col\">%s</th></tr></thead>\n<tbody>\n",
		TR("Essais de relais", "Relay tests"),
		TR("Cycle éteint, allumé, éteint ; chaque étape confirmée par le relais",
		   "Cycle off, on, off; each step confirmed by the relay"),
		TR("Boîtier", "Box"), TR("Voie", "Channel"), TR("Début", "Started"),
		TR("Verdict", "Verdict"),
		TR("Étapes : confirmation, puissance mesurée", "Steps: confirmation, power measured"));
	for (size_t i = 0; i < n; i++) {
		char at[48];
		struct dc_buf d = { 0 };
		web_test_steps(&d, &t[i], r->lang);
		const char *v = t[i].verdict, *said = web_test_said(&t[i]);
		dc_html(&r->body, "<tr data-test=\"%s/%d\" data-verdict=\"%s\"><th scope=\"row\">%s</th>"
			"<td class=\"num\">%d</td><td>%s</td><td class=\"%s\">%s", t[i].box,
			t[i].channel, v, t[i].box, t[i].channel,
			web_fmt_time(at, sizeof at, t[i].at, r->lang),
			t[i].result > 0 ? "ok" : t[i].result < 0 ? "bad" : "", said);
		/* The gateway's reason is in English, like its log and the CLI's. */
		if (*t[i].why)
			dc_html(&r->body, "<br><small class=\"why\">%s%s</small>",
				TR("passerelle : ", "gateway: "), t[i].why);
		dc_html(&r->body, "</td><td>%s</td></tr>\n", d.len ? d.p : "—");
		dc_buf_free(&d);
	}
	if (!n)
		dc_html(&r->body, "<tr><td colspan=\"5\">%s</td></tr>\n",
			TR("Aucun essai depuis le démarrage de la passerelle.",
			   "No test since the gateway started."));
	dc_html(&r->body, "</tbody>\n</table></div>\n</section>\n");
	free(t);
}

static void alarms_section(struct web_req *r)
{
	dc_html(&r->body, "<section aria-labelledby=\"h-alarms\">\n<h2 id=\"h-alarms\">%s</h2>\n",
		TR("Alarmes", "Alarms"));
	struct dc_web_alarm *al = NULL;
	size_t n = 0;
	if (!r->w->hooks.list_alarms) {
		message(r, "note", TR("Passerelle non connectée : alarmes inconnues.",
				      "Gateway not connected: alarms unknown."));
	} else if (r->w->hooks.list_alarms(r->w->hooks.arg, &al, &n) < 0) {
		message(r, "error", TR("Passerelle injoignable : alarmes inconnues.",
				       "Gateway unreachable: alarms unknown."));
	} else {
		dc_html(&r->body, "<div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-labelledby=\"alarm-cap\"><table class=\"data\" id=\"alarm-table\">\n<caption id=\"alarm-cap\">%s</caption>\n"
			"<thead><tr><th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
			"<th scope=\"col\">%s</th><th scope=\"col\">%s</th></tr></thead>\n<tbody>\n",
			TR("Alarmes, les plus récentes d'abord", "Alarms, most recent first"),
			TR("Quand", "When"), TR("Gravité", "Severity"), TR("Source", "Source"),
			TR("Message", "Message"), TR("État", "State"));
		for (size_t i = 0; i < n; i++) {
			char at[48];
			dc_html(&r->body, "<tr><td>%s</td><td>%s</td><th scope=\"row\">",
				web_fmt_time(at, sizeof at, al[i].at, r->lang),
				web_alarm_severity(al[i].severity));
			web_alarm_source(r, &al[i]);
			dc_html(&r->body, "</th><td>%s</td><td>%s</td></tr>\n", al[i].text,
				al[i].active ? TR("active", "active") : TR("résolue", "cleared"));
		}
		if (!n)
			dc_html(&r->body, "<tr><td colspan=\"5\">%s</td></tr>\n",
				TR("Aucune alarme.", "No alarm."));
		dc_html(&r->body, "</tbody>\n</table></div>\n");
	}
	free(al);
	dc_html(&r->body, "</section>\n");
}

static void csrf_field(struct web_req *r);

/* Derogations are granted by order (arrêté) in the rules file: shown with
 * their reference, screens, period and reason while not expired. */
static void derogations_section(struct web_req *r)
{
	const struct dc_rules *rules = r->w->hooks.rules ? r->w->hooks.rules(r->w->hooks.arg) : NULL;
	dc_html(&r->body, "<section aria-labelledby=\"h-derog\">\n<h2 id=\"h-derog\">%s</h2>\n",
		TR("Dérogations en cours ou à venir", "Derogations in force or to come"));
	if (!rules) {
		message(r, "note", TR("Passerelle non connectée : règles inconnues.",
				      "Gateway not connected: rules unknown."));
		dc_html(&r->body, "</section>\n");
		return;
	}
	dc_html(&r->body, "<div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-labelledby=\"derogation-cap\"><table class=\"data\" id=\"derogation-table\">\n<caption id=\"derogation-cap\">%s</caption>\n"
		"<thead><tr><th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
		"<th scope=\"col\">%s</th><th scope=\"col\">%s</th></tr></thead>\n<tbody>\n",
		TR("Dérogations accordées par arrêté (fichier de règles)",
		   "Derogations granted by order (rules file)"),
		TR("Arrêté", "Order"), TR("Écrans", "Screens"), TR("Du", "From"),
		TR("Au (expiration)", "Until (expiry)"), TR("Motif", "Reason"));
	int shown = 0;
	for (size_t i = 0; i < rules->nderogations; i++) {
		const struct dc_derogation *d = &rules->derogations[i];
		if (d->until <= (int64_t)r->now)
			continue;
		char from[48], until[48];
		dc_html(&r->body, "<tr><th scope=\"row\">%s</th><td>", d->reference);
		for (size_t k = 0; k < d->nscreens && k < 10; k++)
			dc_html(&r->body, "%r<a href=\"/screen/%u\">%s</a>", k ? ", " : "",
				d->screens[k], d->screens[k]);
		if (d->nscreens > 10)
			dc_html(&r->body, " (+%d)", (int)(d->nscreens - 10));
		const char *reason = r->lang == DC_LANG_EN && d->reason.en ? d->reason.en
									 : d->reason.fr;
		dc_html(&r->body, "</td><td>%s</td><td>%s</td><td>%s</td></tr>\n",
			web_fmt_time(from, sizeof from, d->from, r->lang),
			web_fmt_time(until, sizeof until, d->until, r->lang), reason ? reason : "");
		shown++;
	}
	if (!shown)
		dc_html(&r->body, "<tr><td colspan=\"5\">%s</td></tr>\n",
			TR("Aucune dérogation.", "No derogation."));
	dc_html(&r->body, "</tbody>\n</table></div>\n</section>\n");
}

/* Overrides live in the database (gateway/store/overrides.c), like the CLI's:
 * listed here whether or not the gateway is connected. */
static void overrides_section(struct web_req *r)
{
	struct gw_override_row *rows = NULL;
	size_t n = 0;
	char err[256];
	dc_html(&r->body, "<section aria-labelledby=\"h-live\">\n<h2 id=\"h-live\">%s</h2>\n",
		TR("Forçages en cours ou à venir", "Overrides in force or to come"));
	if (gw_override_list(r->w->st, (int64_t)r->now, false, &rows, &n, err, sizeof err) < 0) {
		message(r, "error", err);
		dc_html(&r->body, "</section>\n");
		return;
	}
	dc_html(&r->body, "<div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-labelledby=\"override-cap\"><table class=\"data\" id=\"override-table\">\n<caption id=\"override-cap\">%s</caption>\n"
		"<thead><tr><th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
		"<th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
		"<th scope=\"col\">%s</th></tr></thead>\n<tbody>\n",
		TR("Forçages manuels, avec leur auteur, leur motif et leur échéance",
		   "Manual overrides, with author, reason and expiry"),
		TR("Écran", "Screen"), TR("Forçage", "Override"), TR("Depuis", "From"),
		TR("Jusqu'au", "Until"), TR("Auteur", "Author"), TR("Motif", "Reason"),
		TR("Action", "Action"));
	for (size_t i = 0; i < n; i++) {
		const struct dc_override *o = &rows[i].o;
		char from[48], until[48], id[24];
		snprintf(id, sizeof id, "%lld", (long long)rows[i].id);
		dc_html(&r->body, "<tr><th scope=\"row\"><a href=\"/screen/%u\">%s</a></th><td>%s</td>"
			"<td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>", o->screen, o->screen,
			o->kind == DC_FORCE_ON ? TR("allumé", "on") : TR("éteint", "off"),
			web_fmt_time(from, sizeof from, o->from, r->lang),
			web_fmt_time(until, sizeof until, o->until, r->lang), o->author, o->reason);
		if (r->sess.role >= DC_ROLE_TECHNICIAN) {
			dc_html(&r->body, "<form method=\"post\" action=\"/tech/override-clear\">"
				"<input type=\"hidden\" name=\"id\" value=\"%s\">", id);
			csrf_field(r);
			dc_html(&r->body, "<button type=\"submit\" aria-label=\"%s %s\">%s</button></form>",
				TR("Lever le forçage de", "Clear the override of"), o->screen,
				TR("Lever", "Clear"));
		}
		dc_html(&r->body, "</td></tr>\n");
	}
	if (!n)
		dc_html(&r->body, "<tr><td colspan=\"7\">%s</td></tr>\n",
			TR("Aucun forçage.", "No override."));
	dc_html(&r->body, "</tbody>\n</table></div>\n</section>\n");
	free(rows);
}

static void csrf_field(struct web_req *r)
{
	dc_html(&r->body, "<input type=\"hidden\" name=\"csrf\" value=\"%s\">\n", r->sess.csrf);
}

/* What a refused POST to /tech/ACTION sent for `name`, to fill its form
 * again; "" otherwise. */
static const char *again(struct web_req *r, const char *action, const char *name)
{
	const char *v = r->is_post && !strcmp(r->url + 6, action) ? web_form(r, name) : NULL;
	return v ? v : "";
}

/* The box page has each channel's actions beside it: the way there. */
static void box_picker(struct web_req *r, const struct dc_web_box *boxes, size_t nboxes)
{
	if (!nboxes)
		return;
	dc_html(&r->body, "<section aria-labelledby=\"h-pick\">\n<h2 id=\"h-pick\">%s</h2>\n"
		"<form method=\"get\" action=\"/box\" class=\"row\" id=\"box-pick\">"
		"<div><label for=\"pick-box\">%s</label><select id=\"pick-box\" name=\"id\">",
		TR("Agir sur un boîtier", "Act on a box"),
		TR("Boîtier (voies, essais, raccordements, forçages)",
		   "Box (channels, tests, bindings, overrides)"));
	for (size_t i = 0; i < nboxes; i++)
		dc_html(&r->body, "<option value=\"%s\">%s%s</option>", boxes[i].id, boxes[i].id,
			boxes[i].online ? "" : TR(" (hors ligne)", " (offline)"));
	dc_html(&r->body, "</select></div><div><button type=\"submit\">%s</button></div></form>\n"
		"</section>\n", TR("Ouvrir", "Open"));
}

static void action_forms(struct web_req *r, const struct dc_web_box *boxes, size_t nboxes)
{
	const char *dis = r->w->hooks.relay_test ? "" : " disabled";
	dc_html(&r->body, "<section aria-labelledby=\"h-relay\">\n<h2 id=\"h-relay\">%s</h2>\n"
		"<form method=\"post\" action=\"/tech/relay\" class=\"row\" id=\"relay-form\">\n",
		TR("Tester une voie de relais", "Test a relay channel"));
	csrf_field(r);
	/* A list to pick from on a phone when the gateway knows its boxes. */
	if (nboxes) {
		dc_html(&r->body, "<div><label for=\"r-box\">%s</label><select id=\"r-box\" name=\"box\">",
			TR("Boîtier", "Box"));
		for (size_t i = 0; i < nboxes; i++)
			dc_html(&r->body, "<option value=\"%s\"%r>%s%s</option>", boxes[i].id,
				strcmp(again(r, "relay", "box"), boxes[i].id) ? "" : " selected",
				boxes[i].id, boxes[i].online ? "" : TR(" (hors ligne)", " (offline)"));
		dc_html(&r->body, "</select></div>\n");
	} else {
		dc_html(&r->body, "<div><label for=\"r-box\">%s</label><input id=\"r-box\" name=\"box\" "
			"required maxlength=\"47\" value=\"%s\"></div>\n", TR("Boîtier", "Box"),
			again(r, "relay", "box"));
	}
	dc_html(&r->body, "<div><label for=\"r-ch\">%s</label><input id=\"r-ch\" name=\"channel\" type=\"number\" min=\"1\" max=\"16\" required value=\"%s\"></div>\n",
		TR("Voie (1 à 16)", "Channel (1 to 16)"), again(r, "relay", "channel"));
	if (r->w->hooks.relay_cycle)
		dc_html(&r->body, "<div><button type=\"submit\"%r>%s</button></div>\n</form>\n</section>\n",
			dis, TR("Tester : éteint, allumé, éteint", "Test: off, on, off"));
	else
		dc_html(&r->body, "<div><label for=\"r-act\">%s</label><select id=\"r-act\" name=\"action\">"
			"<option value=\"on\">%s</option><option value=\"off\">%s</option></select></div>\n"
			"<div><button type=\"submit\"%r>%s</button></div>\n</form>\n</section>\n",
			TR("Action", "Action"), TR("Allumer", "Switch on"), TR("Éteindre", "Switch off"),
			dis, TR("Envoyer", "Send"));

	dis = r->w->hooks.bind ? "" : " disabled";
	dc_html(&r->body, "<section aria-labelledby=\"h-bind\">\n<h2 id=\"h-bind\">%s</h2>\n"
		"<form method=\"post\" action=\"/tech/bind\" class=\"row\">\n",
		TR("Raccorder un écran à une voie", "Bind a screen to a channel"));
	csrf_field(r);
	dc_html(&r->body, "<div><label for=\"b-screen\">%s</label><input id=\"b-screen\" name=\"screen\" required maxlength=\"47\" value=\"%s\"></div>\n"
		"<div><label for=\"b-box\">%s</label><input id=\"b-box\" name=\"box\" required maxlength=\"47\" value=\"%s\"></div>\n"
		"<div><label for=\"b-ch\">%s</label><input id=\"b-ch\" name=\"channel\" type=\"number\" min=\"1\" max=\"16\" required value=\"%s\"></div>\n"
		"<div><button type=\"submit\"%r>%s</button></div>\n</form>\n</section>\n",
		TR("Écran (identifiant)", "Screen (id)"), again(r, "bind", "screen"), TR("Boîtier", "Box"),
		again(r, "bind", "box"), TR("Voie (1 à 16)", "Channel (1 to 16)"),
		again(r, "bind", "channel"), dis, TR("Raccorder", "Bind"));

	dc_html(&r->body, "<section aria-labelledby=\"h-over\">\n<h2 id=\"h-over\">%s</h2>\n"
		"<form method=\"post\" action=\"/tech/override\" class=\"row\" id=\"override-form\">\n",
		TR("Forcer un écran (allumé ou éteint) jusqu'à une échéance",
		   "Force a screen on or off until a deadline"));
	csrf_field(r);
	dc_html(&r->body, "<div><label for=\"o-screen\">%s</label><input id=\"o-screen\" name=\"screen\" required maxlength=\"47\" value=\"%s\"></div>\n"
		"<div><label for=\"o-state\">%s</label><select id=\"o-state\" name=\"state\">"
		"<option value=\"off\">%s</option><option value=\"on\"%r>%s</option></select></div>\n"
		"<div><label for=\"o-until\">%s</label><input id=\"o-until\" name=\"until\" type=\"datetime-local\" required value=\"%s\"></div>\n"
		"<div><label for=\"o-reason\">%s</label><input id=\"o-reason\" name=\"reason\" required maxlength=\"200\" value=\"%s\"></div>\n"
		"<div><button type=\"submit\"%r>%s</button></div>\n</form>\n</section>\n",
		TR("Écran (identifiant)", "Screen (id)"), again(r, "override", "screen"),
		TR("État imposé", "Forced state"), TR("éteint", "off"),
		strcmp(again(r, "override", "state"), "on") ? "" : " selected", TR("allumé", "on"),
		TR("Jusqu'au (heure locale)", "Until (local time)"), again(r, "override", "until"),
		TR("Motif", "Reason"), again(r, "override", "reason"), "", TR("Appliquer", "Apply"));
}

static void tech_page(struct web_req *r, const char *error, const char *done)
{
	r->no_store = true;
	web_page_begin(r, TR("Technicien", "Technician"), "tech");
	dc_html(&r->body, "<h1>%s</h1>\n<form method=\"post\" action=\"/logout\" class=\"who\">\n<p>%s "
		"<strong>%s</strong> (%s) ",
		TR("Poste du technicien", "Technician's desk"), TR("Connecté :", "Logged in:"),
		r->sess.user, dc_role_name(r->sess.role));
	csrf_field(r);
	dc_html(&r->body, "<button type=\"submit\">%s</button></p>\n</form>\n",
		TR("Se déconnecter", "Log out"));
	if (error)
		message(r, "error", error);
	if (done)
		message(r, "ok", done);
	struct dc_web_box *boxes = NULL;
	size_t nboxes = 0;
	int rc = r->w->hooks.list_boxes
			 ? r->w->hooks.list_boxes(r->w->hooks.arg, &boxes, &nboxes) : -2;
	if (rc < 0)
		nboxes = 0;
	box_picker(r, boxes, nboxes);
	boxes_section(r, rc, boxes, nboxes);
	tests_section(r);
	alarms_section(r);
	overrides_section(r);
	derogations_section(r);
	if (r->sess.role >= DC_ROLE_TECHNICIAN)
		action_forms(r, boxes, nboxes);
	else
		message(r, "note", TR("Votre rôle (lecteur) ne permet pas d'agir sur les relais.",
				      "Your role (viewer) cannot act on relays."));
	free(boxes);
	web_page_end(r);
}

void page_tech(struct web_req *r)
{
	static const char *const params[] = { "done", NULL };
	static const char *const dones[] = { "relay", "bind", "override", "cleared", NULL };
	int done;
	if (web_args_only(r, params) < 0 || web_arg_enum(r, "done", dones, -1, &done) < 0)
		return;
	if (!r->sess.valid) {
		web_redirect(r, "/login");
		return;
	}
	const char *msgs[] = { r->w->hooks.relay_cycle
				       ? TR("Essai lancé : ses étapes s'affichent ci-dessous au fil des "
					    "confirmations (et sur la page du boîtier).",
					    "Test started: its steps show below as the relay confirms "
					    "them (and on the box's page).")
				       : TR("Commande de relais envoyée au boîtier.", "Relay command sent to the box."),
			       TR("Écran raccordé.", "Screen bound."),
			       TR("Forçage enregistré.", "Override recorded."),
			       TR("Forçage levé.", "Override cleared.") };
	tech_page(r, NULL, done >= 0 ? msgs[done] : NULL);
}

/* Form validation: render the desk again with a 400 saying which field. */
static bool bad_field(struct web_req *r, const char *field, const char *expected)
{
	char msg[300];
	snprintf(msg, sizeof msg, TR("Champ « %s » invalide : %s.", "Invalid field '%s': %s."), field,
		 expected);
	r->status = 400;
	tech_page(r, msg, NULL);
	return false;
}

static bool form_slug(struct web_req *r, const char *name, const char **out)
{
	*out = web_form(r, name);
	return (*out && dc_slug_valid(*out)) ||
	       bad_field(r, name, TR("identifiant attendu (minuscules, chiffres, - et _)",
				     "expected an id (lower-case letters, digits, - and _)"));
}

static bool form_channel(struct web_req *r, int *out)
{
	const char *v = web_form(r, "channel");
	char *end;
	long c = v ? strtol(v, &end, 10) : 0;
	if (v && *v && *end == '\0' && c >= 1 && c <= 16) {
		*out = (int)c;
		return true;
	}
	return bad_field(r, "channel", TR("entier de 1 à 16 attendu", "expected an integer from 1 to 16"));
}

static bool form_onoff(struct web_req *r, const char *name, bool *on)
{
	const char *v = web_form(r, name);
	if (v && (strcmp(v, "on") == 0 || strcmp(v, "off") == 0)) {
		*on = strcmp(v, "on") == 0;
		return true;
	}
	return bad_field(r, name, TR("« on » ou « off » attendu", "expected 'on' or 'off'"));
}

bool web_until_parse(const char *v, time_t now, int64_t *out)
{
	struct tm tm = { 0 };
	char *end = v ? strptime(v, "%Y-%m-%dT%H:%M", &tm) : NULL;
	if (end && *end == ':')	/* browsers may add seconds */
		end = strptime(end, ":%S", &tm);
	if (end && *end == '\0') {
		tm.tm_isdst = -1;
		time_t t = mktime(&tm);
		if (t > now && t <= now + 30 * 86400) {
			*out = (int64_t)t;
			return true;
		}
	}
	return false;
}

bool web_reason_ok(const char *v)
{
	size_t n = v ? strlen(v) : 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20)
			return false;
	return n >= 3 && n <= 200;
}

/* "YYYY-MM-DDTHH:MM" in local time, in the future, at most 30 days ahead. */
static bool form_until(struct web_req *r, int64_t *out)
{
	return web_until_parse(web_form(r, "until"), r->now, out) || bad_field(r, "until", TR("date et heure futures (AAAA-MM-JJTHH:MM), 30 jours au plus",
					"a future date and time (YYYY-MM-DDTHH:MM), 30 days at most"));
}

static bool form_reason(struct web_req *r, const char **out)
{
	*out = web_form(r, "reason");
	return web_reason_ok(*out) ||
	       bad_field(r, "reason", TR("texte de 3 à 200 caractères", "text of 3 to 200 characters"));
}

bool web_may_act(struct web_req *r)
{
	if (!r->sess.valid) {
		web_error(r, 401, TR("Connexion requise.", "Log-in required."));
		return false;
	}
	if (!web_csrf_ok(r)) {
		web_error(r, 403, TR("Formulaire refusé : jeton anti-falsification (CSRF) manquant ou "
				     "invalide. Rechargez la page.",
				     "Form refused: anti-forgery (CSRF) token missing or invalid. "
				     "Reload the page."));
		return false;
	}
	if (r->sess.role < DC_ROLE_TECHNICIAN) {
		web_error(r, 403, TR("Votre rôle ne permet pas cette action.",
				     "Your role does not allow this action."));
		return false;
	}
	return true;
}

const char *web_act_refused(struct web_req *r, int rc, const char *err)
{
	if (rc == -2) {
		r->status = 503;
		return TR("Passerelle non connectée : action impossible.",
			  "Gateway not connected: cannot act.");
	}
	if (rc == -3) {
		/* The gateway could not write now: another process holds the
		 * database.  Nothing was done; the technician tries again. */
		r->status = 503;
		r->retry_after = 2;
		return TR("Base occupée, réessayez dans un instant.",
			  "Database busy, try again in a moment.");
	}
	if (rc < 0) {
		r->status = 409;
		return err && *err ? err : TR("La passerelle a refusé la commande.",
					      "The gateway refused the command.");
	}
	return NULL;
}

void page_tech_action(struct web_req *r, const char *action)
{
	if (!web_may_act(r))
		return;
	const struct dc_web_hooks *h = &r->w->hooks;
	char err[256] = "";
	int rc;
	const char *box, *screen, *reason;
	int channel;
	bool on;
	if (strcmp(action, "relay") == 0) {
		on = true;
		if (!form_slug(r, "box", &box) || !form_channel(r, &channel) ||
		    (!h->relay_cycle && !form_onoff(r, "action", &on)))
			return;
		rc = h->relay_test ? h->relay_test(h->arg, box, channel, on, r->sess.user, err, sizeof err)
				   : -2;
	} else if (strcmp(action, "bind") == 0) {
		if (!form_slug(r, "screen", &screen) || !form_slug(r, "box", &box) ||
		    !form_channel(r, &channel))
			return;
		rc = h->bind ? h->bind(h->arg, screen, box, channel, r->sess.user, err, sizeof err) : -2;
	} else if (strcmp(action, "override") == 0) {
		int64_t until;
		if (!form_slug(r, "screen", &screen) || !form_onoff(r, "state", &on) ||
		    !form_until(r, &until) || !form_reason(r, &reason))
			return;
		/* Written by the gateway (the dashboard cannot write the
		 * database), which applies it at once. */
		rc = h->override_set ? h->override_set(h->arg, screen, on, until, reason, r->sess.user,
						       err, sizeof err)
				     : -2;
	} else if (strcmp(action, "override-clear") == 0) {
		const char *v = web_form(r, "id");
		char *end;
		long long id = v ? strtoll(v, &end, 10) : 0;
		if (!v || !*v || *end || id <= 0) {
			bad_field(r, "id", TR("identifiant de forçage attendu", "expected an override id"));
			return;
		}
		rc = h->override_clear ? h->override_clear(h->arg, (int64_t)id, r->sess.user, err,
							   sizeof err)
				       : -2;
		action = "cleared";
	} else {
		web_error(r, 404, TR("Cette action n'existe pas.", "This action does not exist."));
		return;
	}
	const char *refused = web_act_refused(r, rc, err);
	if (refused) {
		tech_page(r, refused, NULL);
	} else {
		char loc[64];
		snprintf(loc, sizeof loc, "/tech?done=%s", action);
		web_redirect(r, loc);
	}
}
