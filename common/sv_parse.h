#ifndef SV_PARSE_H
#define SV_PARSE_H

#include <cjson/cJSON.h>

/* The one place that reads numbers from text (directives, flags, environment variables, database
 * columns) and from JSON (messages, cache values, request bodies). Every reader takes the whole
 * input: "12x", "", " 12" and out-of-range values are refused, never silently truncated. */

/* A whole decimal number in [min, max] (an optional leading '-'). Returns 0, or -1 when text is
 * NULL, empty, not a whole number or out of range; *out is left alone then. */
/* The value of one hex digit (either case), or -1 for any other character. */
int sv_hex_digit(int c);

int sv_parse_ll(const char *text, long long min, long long max, long long *out);

/* A finite decimal number in [min, max] (strtod syntax, no hex, no inf/nan). Returns 0 or -1. */
int sv_parse_double(const char *text, double min, double max, double *out);

/* The largest whole number a JSON number (an IEEE double) holds exactly: 2^53 - 1. */
#define SV_JSON_INT_MAX 9007199254740991LL

/* A JSON number that is a whole number in [min, max] (both within +-SV_JSON_INT_MAX). Returns 0, or
 * -1 when item is NULL, not a number, has a fraction or is out of range. */
int sv_json_ll(const cJSON *item, long long min, long long max, long long *out);

/* A finite JSON number in [min, max]. Returns 0 or -1. */
int sv_json_double(const cJSON *item, double min, double max, double *out);

/* Adds name: v to object, written digit for digit; the item, or NULL when out of memory. A number
 * added as a double is printed by cJSON with 15 significant digits whenever those read back within
 * its tolerance, so a whole number past 10^15 lost its last digit: run_id 9007199254740991, which
 * the parsers accept, was sent as 9.00719925474099e+15 (tests/fuzz/fuzz_run_msg found it). For the
 * ids of every message the services build. */
cJSON *sv_json_add_ll(cJSON *object, const char *name, long long v);

#endif
