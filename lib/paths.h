/* paths.h — where an installed decran finds its files (FHS).
 *
 * The Makefile passes the directories of the install it builds for (PREFIX,
 * SYSCONFDIR, LOCALSTATEDIR); these fallbacks are Debian's.  Development
 * runs and tests never use them: they name every path in their own
 * configuration, so nothing of the build tree is compiled in. */
#ifndef DECRAN_PATHS_H
#define DECRAN_PATHS_H

#ifndef DECRAN_SYSCONFDIR
#define DECRAN_SYSCONFDIR "/etc/decran"
#endif
#ifndef DECRAN_RELAY_SYSCONFDIR
#define DECRAN_RELAY_SYSCONFDIR "/etc/decran-relay"
#endif
#ifndef DECRAN_STATEDIR
#define DECRAN_STATEDIR "/var/lib/decran"
#endif
#ifndef DECRAN_RELAY_STATEDIR
#define DECRAN_RELAY_STATEDIR "/var/lib/decran-relay"
#endif
#ifndef DECRAN_DATADIR
#define DECRAN_DATADIR "/usr/share/decran"
#endif
#ifndef DECRAN_RUNDIR
#define DECRAN_RUNDIR "/run/decran"
#endif

#define DECRAN_GATEWAY_SOCKET DECRAN_RUNDIR "/gateway.sock"
#define DECRAN_GATEWAY_CONFIG DECRAN_SYSCONFDIR "/gateway.json"
#define DECRAN_DEFAULT_DB DECRAN_STATEDIR "/decran.db"
#define DECRAN_DEFAULT_RULES DECRAN_SYSCONFDIR "/rules.json"
#define DECRAN_RELAY_CONFIG DECRAN_RELAY_SYSCONFDIR "/decran-relay.json"

#endif
