/* web_legal.c — the legal notice, the accessibility statement, and who
 * may read /metrics (web_legal.h). */
#include <stdio.h>
#include <string.h>

#include "web_internal.h"

/* --- pages ----------------------------------------------------------------- */

static void item(struct web_req *r, const char *label, const char *value, const char *dflt)
{
	dc_html(&r->body, "<dt>%s</dt><dd>%s</dd>\n", label, value && *value ? value : dflt);
}

void page_legal(struct web_req *r)
{
	if (web_args_only(r, NULL) < 0)
		return;
	const struct dc_web_legal *l = &r->w->legal;
	web_page_begin(r, TR("Mentions légales", "Legal notice"), "");
	dc_html(&r->body, "<h1>%s</h1>\n<dl class=\"fields\" id=\"legal\">\n",
		TR("Mentions légales", "Legal notice"));
	item(r, TR("Éditeur", "Publisher"), l->publisher,
	     TR("La commune qui exploite ce service, représentée par son maire.",
		"The municipality running this service, represented by its mayor."));
	item(r, TR("Directeur de la publication", "Director of publication"), l->director,
	     TR("Le maire de la commune.", "The mayor of the municipality."));
	item(r, TR("Hébergeur", "Host"), l->host,
	     TR("Les serveurs de la commune (hébergement sur place, aucun prestataire tiers).",
		"The municipality's own servers (hosted on site, no third party)."));
	item(r, TR("Contact", "Contact"), l->contact,
	     TR("L'accueil de la mairie.", "The town hall's front desk."));
	dc_html(&r->body, "</dl>\n<h2>%s</h2>\n<p>%s</p>\n<h2>%s</h2>\n<p>%s</p>\n",
		TR("Données personnelles", "Personal data"),
		TR("Les pages publiques ne déposent aucun cookie de suivi et ne font appel à aucune "
		   "ressource externe. Seuls les agents connectés reçoivent un cookie de session, "
		   "nécessaire au service. Aucune donnée n'est transmise à des tiers.",
		   "Public pages set no tracking cookie and call no external resource. Only "
		   "logged-in staff receive a session cookie, needed by the service. No data is "
		   "passed to third parties."),
		TR("Logiciel et données", "Software and data"),
		TR("Ce service utilise decran, logiciel libre sous licence GPL-3.0 ou ultérieure.",
		   "This service runs decran, free software under the GPL-3.0 or later."));
	web_page_end(r);
	r->cacheable = true;
}

void page_accessibility(struct web_req *r)
{
	if (web_args_only(r, NULL) < 0)
		return;
	const struct dc_web_a11y *a = &r->w->a11y;
	const struct dc_web_legal *l = &r->w->legal;
	char d[32];
	web_page_begin(r, TR("Déclaration d'accessibilité", "Accessibility statement"), "");
	dc_html(&r->body, "<h1>%s</h1>\n<p>%s</p>\n", TR("Déclaration d'accessibilité",
							  "Accessibility statement"),
		TR("La commune s'engage à rendre ce service accessible, conformément à l'article 47 "
		   "de la loi n° 2005-102 du 11 février 2005.",
		   "The municipality commits to making this service accessible, under article 47 "
		   "of French law 2005-102 of 11 February 2005."));
	dc_html(&r->body, "<h2>%s</h2>\n<p id=\"a11y-level\">", TR("État de conformité",
								    "Compliance status"));
	dc_html(&r->body, TR("Ce site est <strong>%s</strong> avec le référentiel général "
			     "d'amélioration de l'accessibilité (RGAA), version 4.1.",
			     "This site is <strong>%s</strong> with the French accessibility "
			     "framework (RGAA), version 4.1."), dc_a11y_level_label(a->level));
	dc_html(&r->body, "</p>\n<p id=\"a11y-audit\">");
	if (a->audit_date[0])
		dc_html(&r->body, TR("Audit du %s", "Audit of %s"),
			web_fmt_date(d, sizeof d, a->audit_date, r->lang));
	else
		dc_html(&r->body, "%s", TR("Aucun audit de conformité n'a encore été réalisé.",
					   "No conformity audit has been carried out yet."));
	if (a->rate[0])
		dc_html(&r->body, TR(" : %s des critères du RGAA sont respectés.",
				     ": %s of the RGAA criteria are met."), a->rate);
	dc_html(&r->body, "</p>\n<p>%s</p>\n", TR("Le logiciel est vérifié à chaque version par des "
						  "tests automatiques (axe-core, WCAG 2.1 AA) sur "
						  "ordinateur et téléphone ; ces tests ne remplacent "
						  "pas un audit.",
						  "The software is checked at every release by "
						  "automated tests (axe-core, WCAG 2.1 AA) on desktop "
						  "and phone; these tests do not replace an audit."));
	dc_html(&r->body, "<h2>%s</h2>\n<p id=\"a11y-contact\">%s ", TR("Retour d'information et contact",
									 "Feedback and contact"),
		TR("Si vous n'arrivez pas à accéder à un contenu ou à un service, contactez-nous pour "
		   "être orienté vers une alternative accessible ou obtenir le contenu sous une autre "
		   "forme :",
		   "If you cannot access some content or service, contact us to be directed to an "
		   "accessible alternative or to get the content in another form:"));
	dc_html(&r->body, "%s</p>\n", a->contact[0] ? a->contact : l->contact[0] ? l->contact
				      : TR("l'accueil de la mairie.", "the town hall's front desk."));
	dc_html(&r->body, "<h2>%s</h2>\n<p id=\"a11y-recourse\">%s</p>\n<ul>\n"
		"<li><a href=\"https://formulaire.defenseurdesdroits.fr/\">%s</a></li>\n"
		"<li>%s</li>\n<li>%s</li>\n</ul>\n",
		TR("Voies de recours", "Recourse"),
		TR("Si vous nous avez signalé un défaut d'accessibilité qui vous empêche d'accéder à "
		   "un contenu ou à un service et que vous n'avez pas obtenu de réponse satisfaisante, "
		   "vous pouvez saisir le Défenseur des droits :",
		   "If you reported an accessibility defect that prevents you from accessing some "
		   "content or service and got no satisfactory answer, you may refer the matter to "
		   "the Défenseur des droits (French rights ombudsman):"),
		TR("écrire un message au Défenseur des droits (formulaire en ligne)",
		   "write to the Défenseur des droits (online form)"),
		TR("contacter le délégué du Défenseur des droits dans votre région",
		   "contact the Défenseur des droits' delegate in your region"),
		TR("envoyer un courrier (gratuit, sans timbre) : Défenseur des droits, Libre réponse "
		   "71120, 75342 Paris CEDEX 07",
		   "send a letter (free, no stamp): Défenseur des droits, Libre réponse 71120, "
		   "75342 Paris CEDEX 07"));
	web_page_end(r);
	r->cacheable = true;
}
