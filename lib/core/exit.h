/*
 * core/exit.h - the exit codes every hookspool program uses, so that cron
 * mails, scripts and admins read one meaning per number (README).
 */
#ifndef HS_EXIT_H
#define HS_EXIT_H

enum hs_exit {
	HS_EX_OK = 0,		/* done */
	/* not found, nothing to do, declined, refused without --yes, a
	 * check failed, another run holds the sink */
	HS_EX_REFUSED = 1,
	HS_EX_USAGE = 100,	/* usage or configuration error */
	HS_EX_TEMP = 111,	/* temporary: spool busy, I/O, peer refused
				 * our credentials; try again */
};

#endif
