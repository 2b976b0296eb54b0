/*
 * core/banned.h - functions that are easy to misuse with untrusted input.
 *
 * Include after the system headers. Using one of these is a compile error,
 * which steers code to the bounded alternatives (snprintf, strtol with
 * range checks, gmtime_r, memcpy with explicit sizes).
 */
#ifndef HS_BANNED_H
#define HS_BANNED_H

#define HS_BANNED(f) sorry_##f##_is_banned_in_hookspool

#undef strcpy
#define strcpy(a, b) HS_BANNED(strcpy)
#undef strcat
#define strcat(a, b) HS_BANNED(strcat)
#undef sprintf
#define sprintf(...) HS_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) HS_BANNED(vsprintf)
#undef strtok
#define strtok(a, b) HS_BANNED(strtok)
#undef gmtime
#define gmtime(t) HS_BANNED(gmtime)
#undef localtime
#define localtime(t) HS_BANNED(localtime)
#undef atoi
#define atoi(s) HS_BANNED(atoi)
#undef atol
#define atol(s) HS_BANNED(atol)

#endif
