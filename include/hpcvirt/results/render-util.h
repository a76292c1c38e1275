/*
 * render-util.h - what the scorecard, compare and history renderers
 * share: building a JSON document that remembers a failed allocation,
 * and study text put safely into a terminal.
 */
#ifndef HPCVIRT_RENDER_UTIL_H
#define HPCVIRT_RENDER_UTIL_H

#include <stdbool.h>
#include <stdio.h>

#include <cjson/cJSON.h>

/* Add item to o under key (to the array o when key is NULL); on failure
 * (item NULL, or the add failed) free item and set *ok false. */
void hv_json_put(cJSON *o, const char *key, cJSON *item, bool *ok);

/* v as a JSON number, or null when !have or v is not finite. */
cJSON *hv_json_num(bool have, double v);

/* s as a JSON string, or null for NULL. */
cJSON *hv_json_str(const char *s);

/* s with each control byte shown as '?', padded with spaces to width. */
void hv_put_text(FILE *f, const char *s, int width);

#endif
