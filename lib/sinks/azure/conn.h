/*
 * sinks/azure/conn.h - an Azure Storage connection string, parsed once.
 *
 * AZURE_STORAGE_CONNECTION_STRING comes in several shapes (protocols.md
 * §1.2): account + key with a derived endpoint, an explicit QueueEndpoint
 * (Azurite), UseDevelopmentStorage=true, or a SAS token instead of a key.
 * All of them reduce to the same four facts the client needs: where to
 * send (base URL + path prefix), which account to sign for, and either the
 * decoded key or the SAS token. Errors say which key is wrong and never
 * quote a key or a token.
 */
#ifndef HS_AZURE_CONN_H
#define HS_AZURE_CONN_H

#include <stddef.h>

#include "core/err.h"

#define HS_AZQ_CONN_MAX		4096	/* bytes of a connection string */
#define HS_AZQ_ACCOUNT_MAX	63	/* chars of an account name */

/* The well-known emulator account (public; works only on emulators). */
#define HS_AZQ_DEV_ACCOUNT	"devstoreaccount1"
#define HS_AZQ_DEV_KEY		"Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6" \
				"IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
#define HS_AZQ_DEV_QUEUE_EP	"http://127.0.0.1:10001/devstoreaccount1"

enum hs_azq_auth {
	HS_AZQ_SHAREDKEY,	/* Authorization: SharedKey account:sig */
	HS_AZQ_SAS,		/* token appended to every URL, no header */
};

struct hs_azq_conn;

/*
 * Parses cs. On HS_OK *out is the caller's (hs_azq_conn_free). On
 * HS_ECONFIG (or HS_ENOMEM) *out is NULL and why (whylen bytes, may be 0)
 * holds a lowercase reason such as "missing AccountKey or
 * SharedAccessSignature" or "AccountKey is not valid base64".
 */
enum hs_err hs_azq_conn_parse(struct hs_azq_conn **out, const char *cs,
                              char *why, size_t whylen) HS_MUST_CHECK;
/* Wipes the key. NULL is fine. */
void hs_azq_conn_free(struct hs_azq_conn *c);

/* Accessors; strings are borrowed from c and live as long as it. */
enum hs_azq_auth hs_azq_conn_auth(const struct hs_azq_conn *c);
/* Account to sign for; "" for a SAS string without AccountName. */
const char *hs_azq_conn_account(const struct hs_azq_conn *c);
/* "scheme://host[:port]", no path, no trailing '/'. */
const char *hs_azq_conn_base(const struct hs_azq_conn *c);
/* Path prefix of the queue endpoint: "" or "/devstoreaccount1"; no '/' at
 * the end. Queue URLs are base + prefix + "/" + queue. */
const char *hs_azq_conn_prefix(const struct hs_azq_conn *c);
/* SAS token without '?' in SAS mode, NULL otherwise. */
const char *hs_azq_conn_sas(const struct hs_azq_conn *c);
/* Decoded account key in SharedKey mode (NULL otherwise). */
const unsigned char *hs_azq_conn_key(const struct hs_azq_conn *c,
                                     size_t *len);

#endif
