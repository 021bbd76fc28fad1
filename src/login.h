/* A login through libstrophe (login.c). */
#ifndef XCV_LOGIN_H
#define XCV_LOGIN_H

#include "internal.h"

struct xcv_login {
	bool attempted, ok;
	char *jid, *bound_jid, *mechanism, *condition, *error;
	struct xcv_strv offered;
	int overridden, refused;     /* certificate errors the adapter judged */
};

struct xcv_login_params {
	const char *jid, *password, *domain;
	const char *host;            /* address to connect to (no brackets) */
	int port;
	const struct xcv_chain *chain;   /* what the check verified */
	int timeout_ms;
};

int xcv_login_run(struct xcv_login *out, struct xcv_config *cfg,
	const struct xcv_login_params *p);
void xcv_login_clear(struct xcv_login *l);

#endif
