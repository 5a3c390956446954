/* journal.c — the offline switch journal. */
#include "journal.h"

#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

int fw_journal_init(struct fw_journal *j, size_t cap)
{
	memset(j, 0, sizeof *j);
	if (cap < 1 || cap > FW_JOURNAL_CAP)
		return -1;
	j->e = calloc(cap, sizeof *j->e);
	if (!j->e)
		return -1;
	j->cap = cap;
	j->next_seq = 1;
	return 0;
}

void fw_journal_free(struct fw_journal *j)
{
	free(j->e);
	j->e = NULL;
	j->n = 0;
}

const struct fw_journal_entry *fw_journal_at(const struct fw_journal *j, size_t i)
{
	return i < j->n ? &j->e[(j->head + i) % j->cap] : NULL;
}

void fw_journal_add(struct fw_journal *j, int channel, bool on, enum fw_source src, int64_t t)
{
	if (j->n == j->cap) {
		j->head = (j->head + 1) % j->cap;
		j->n--;
		j->dropped++;
	}
	j->e[(j->head + j->n) % j->cap] = (struct fw_journal_entry){
		.seq = j->next_seq++, .channel = channel, .on = on, .src = src, .t = t };
	j->n++;
}

size_t fw_journal_ack(struct fw_journal *j, uint64_t upto)
{
	size_t k = 0;
	while (j->n > 0 && j->e[j->head].seq <= upto) {
		j->head = (j->head + 1) % j->cap;
		j->n--;
		k++;
	}
	if (k > 0 || upto + 1 >= j->next_seq)
		j->dropped = 0;	/* the gateway has seen the report of the hole */
	return k;
}

char *fw_journal_encode(const struct fw_journal *j, const char *box, size_t max)
{
	cJSON *root = cJSON_CreateObject();
	char *s = NULL;
	if (!root)
		return NULL;
	cJSON_AddNumberToObject(root, "v", 1);
	cJSON_AddStringToObject(root, "box", box);
	cJSON_AddNumberToObject(root, "next", (double)j->next_seq);
	cJSON_AddNumberToObject(root, "dropped", (double)j->dropped);
	cJSON *arr = cJSON_AddArrayToObject(root, "entries");
	for (size_t i = 0; arr && i < j->n && i < max; i++) {
		const struct fw_journal_entry *e = fw_journal_at(j, i);
		cJSON *o = cJSON_CreateObject();
		if (!o)
			goto out;
		cJSON_AddItemToArray(arr, o);
		cJSON_AddNumberToObject(o, "seq", (double)e->seq);
		cJSON_AddNumberToObject(o, "ch", e->channel);
		cJSON_AddBoolToObject(o, "on", e->on);
		cJSON_AddStringToObject(o, "src", fw_source_name(e->src));
		cJSON_AddNumberToObject(o, "t", (double)e->t);
	}
	s = cJSON_PrintUnformatted(root);
out:
	cJSON_Delete(root);
	return s;
}

static int num(const cJSON *o, const char *k, double lo, double hi, double *v)
{
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(o, k);
	if (!cJSON_IsNumber(n) || n->valuedouble < lo || n->valuedouble > hi ||
	    n->valuedouble != (double)(int64_t)n->valuedouble)
		return -1;
	*v = n->valuedouble;
	return 0;
}

int fw_journal_decode(struct fw_journal *j, const char *json, size_t len, char *err,
		      size_t errlen)
{
	struct fw_journal tmp;
	cJSON *root = dc_json_parse(json, len, NULL);
	double next, dropped, v;
	int rc = -1;

	if (fw_journal_init(&tmp, j->cap)) {
		snprintf(err, errlen, "out of memory");
		cJSON_Delete(root);
		return -1;
	}
	if (!cJSON_IsObject(root) || num(root, "v", 1, 1, &v)) {
		snprintf(err, errlen, "journal: not a version 1 journal");
		goto out;
	}
	if (num(root, "next", 1, 9e15, &next) || num(root, "dropped", 0, 9e15, &dropped)) {
		snprintf(err, errlen, "journal.next/dropped: must be counters");
		goto out;
	}
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, "entries"), *o;
	if (!cJSON_IsArray(arr)) {
		snprintf(err, errlen, "journal.entries: must be an array");
		goto out;
	}
	int i = 0;
	uint64_t prev = 0;
	cJSON_ArrayForEach(o, arr) {
		double seq, ch, t;
		const cJSON *on = cJSON_GetObjectItemCaseSensitive(o, "on");
		const cJSON *src = cJSON_GetObjectItemCaseSensitive(o, "src");
		int s = cJSON_IsString(src) ? fw_source_parse(src->valuestring) : -1;
		if (num(o, "seq", 1, next - 1, &seq) || (uint64_t)seq <= prev ||
		    num(o, "ch", 1, 16, &ch) || !cJSON_IsBool(on) || s < 0 ||
		    num(o, "t", 0, 253402300799.0, &t)) {
			snprintf(err, errlen, "journal.entries[%d]: invalid entry", i);
			goto out;
		}
		prev = (uint64_t)seq;
		fw_journal_add(&tmp, (int)ch, cJSON_IsTrue(on), (enum fw_source)s, (int64_t)t);
		tmp.e[(tmp.head + tmp.n - 1) % tmp.cap].seq = (uint64_t)seq;
		i++;
	}
	tmp.next_seq = (uint64_t)next;
	tmp.dropped += (uint64_t)dropped;
	fw_journal_free(j);
	*j = tmp;
	rc = 0;
out:
	if (rc)
		fw_journal_free(&tmp);
	cJSON_Delete(root);
	return rc;
}
