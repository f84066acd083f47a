/*
 * prtool: SCSI-3 Persistent Reservations through libiscsi, an initiator independent of
 * clusterprobe's own, to cross-check its results and to benchmark against.
 *
 *   prtool keys        <iscsi-url> [--initiator IQN] [--timeout S]
 *   prtool reservation <iscsi-url> [--initiator IQN] [--timeout S]
 *   prtool bench       <iscsi-url> --initiator-a IQN --initiator-b IQN --iterations N [--timeout S]
 *
 * <iscsi-url> is libiscsi's iscsi://[user[%secret]@]host[:port]/<target-iqn>/<lun>.
 * Output: exactly one JSON line on stdout.
 *   keys:        {"generation":N,"keys":["0x0123456789abcdef",...]}
 *   reservation: {"generation":N,"key":"0x...","type":T}  or  {"generation":N,"key":null}
 *   bench:       {"tool":"libiscsi","perSequenceMs":x,"loginMs":y,"iterations":n,"unitAttentions":u}
 *   any failure: {"error":"..."} and exit status 1.
 *
 * Every network call is bounded twice:
 *   - iscsi_set_timeout(ctx, S) (default 10 s): libiscsi fails a PDU that has no answer after
 *     S seconds (checked from its own event loop, about once a second, against time(NULL): whole
 *     wall-clock seconds, so it fires somewhere between S-1 and S+1 s);
 *   - a watchdog thread: if one call (login, command, logout) is still running S+5 s after it
 *     started (3*S+5 for the login, which is several PDUs), the process prints an error and
 *     exits. This covers what libiscsi 1.19's timeout does not: a TCP connect that never
 *     completes, and its sync event loop spinning on a closed socket.
 * Automatic reconnect is switched off (iscsi_set_noautoreconnect): libiscsi's reconnect logs in
 * again with a NEW random ISID, i.e. as a different I_T nexus that owns none of the session's
 * registrations; a dropped session must be reported, not papered over.
 *
 * UNIT ATTENTION: a command answered with CHECK CONDITION / UNIT ATTENTION was not executed; it
 * is retried up to 3 times (tgt: 29/00 on the first command to each LUN of a new session, which
 * iscsi_full_connect_sync already eats with TEST UNIT READY; 2A/03 to the preempted initiator
 * after a PREEMPT). The bench counts them.
 *
 * Build: cc -O2 -o prtool prtool.c -liscsi   (Debian: libiscsi-dev; glibc >= 2.34 for threads)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>

#define DEFAULT_INITIATOR "iqn.2026-11.test.clusterprobe:prtool"
#define DEFAULT_TIMEOUT_S 10
#define UA_RETRIES 3
#define KEY_A UINT64_C(0x434c5052000000a1) /* "CLPR" ... A1 */
#define KEY_B UINT64_C(0x434c5052000000b2)
#define PR_TYPE_WERO SCSI_PERSISTENT_RESERVE_TYPE_WRITE_EXCLUSIVE_REGISTRANTS_ONLY

static int g_timeout_s = DEFAULT_TIMEOUT_S;
static char g_err[2048];

/* ------------------------------------------------------------------------------------------ */
/* Output                                                                                     */

static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			if (*p < 0x20 || *p == 0x7f) fprintf(f, "\\u%04x", *p);
			else fputc(*p, f);
		}
	}
	fputc('"', f);
}

static void set_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void set_err(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(g_err, sizeof(g_err), fmt, ap);
	va_end(ap);
	/* libiscsi's messages sometimes end in a newline */
	size_t n = strlen(g_err);
	while (n > 0 && (g_err[n - 1] == '\n' || g_err[n - 1] == ' ')) g_err[--n] = '\0';
}

/* ------------------------------------------------------------------------------------------ */
/* Watchdog                                                                                   */

enum { WD_RUNNING = 0, WD_FIRED = 1, WD_DONE = 2 };
static _Atomic long long wd_deadline_ms;   /* CLOCK_MONOTONIC ms; 0 = disarmed */
static _Atomic(const char *) wd_what;      /* static string naming the call in progress */
static _Atomic int wd_limit_s;
static _Atomic int wd_state = WD_RUNNING;

static long long mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* libiscsi overwrites its error string as a failure unwinds ("Can not reconnect right now"
 * replaces "connection refused"); its level-1 log sees every iscsi_set_error, so keep the first
 * message since the current call started: that is the cause. */
static char g_first_err[512];

static void capture_log(int level, const char *message)
{
	(void)level;
	if (g_first_err[0] != '\0') return;
	snprintf(g_first_err, sizeof(g_first_err), "%s", message);
	for (size_t n = strlen(g_first_err); n > 0 && (g_first_err[n - 1] == '\n' || g_first_err[n - 1] == ' '); n--)
		g_first_err[n - 1] = '\0';
	/* the log line ends in " [<target name>]", which the error string does not */
	size_t n = strlen(g_first_err);
	char *open = strrchr(g_first_err, '[');
	if (n > 0 && g_first_err[n - 1] == ']' && open && open > g_first_err && open[-1] == ' ') open[-1] = '\0';
}

static const char *why(struct iscsi_context *ctx)
{
	static char buf[1100];
	char last[600];
	snprintf(last, sizeof(last), "%s", iscsi_get_error(ctx));
	for (size_t n = strlen(last); n > 0 && (last[n - 1] == '\n' || last[n - 1] == ' '); n--) last[n - 1] = '\0';
	if (g_first_err[0] == '\0' || strcmp(g_first_err, last) == 0) snprintf(buf, sizeof(buf), "%s", last);
	else snprintf(buf, sizeof(buf), "%s (then: %s)", g_first_err, last);
	return buf;
}

static void arm(const char *what, int limit_s)
{
	g_first_err[0] = '\0';
	atomic_store_explicit(&wd_what, what, memory_order_relaxed);
	atomic_store_explicit(&wd_limit_s, limit_s, memory_order_relaxed);
	atomic_store_explicit(&wd_deadline_ms, mono_ms() + (long long)limit_s * 1000, memory_order_release);
}

static void *watchdog(void *unused)
{
	(void)unused;
	const struct timespec tick = { 0, 100 * 1000 * 1000 };
	for (;;) {
		nanosleep(&tick, NULL);
		long long d = atomic_load_explicit(&wd_deadline_ms, memory_order_acquire);
		if (d == 0 || mono_ms() <= d) continue;
		int expected = WD_RUNNING;
		if (!atomic_compare_exchange_strong(&wd_state, &expected, WD_FIRED)) return NULL;
		char msg[256];
		snprintf(msg, sizeof(msg), "%s did not finish within %d s (watchdog)",
			 atomic_load(&wd_what), atomic_load(&wd_limit_s));
		fputs("{\"error\":", stdout);
		json_string(stdout, msg);
		fputs("}\n", stdout);
		fflush(stdout);
		_exit(1);
	}
}

static void start_watchdog(void)
{
	pthread_t t;
	if (pthread_create(&t, NULL, watchdog, NULL) != 0) {
		/* No watchdog: libiscsi's own timeout still bounds the PDUs. */
		return;
	}
	pthread_detach(t);
}

/* Claims stdout for the final line; if the watchdog already fired, let it finish the process. */
static void claim_output(void)
{
	int expected = WD_RUNNING;
	atomic_store(&wd_deadline_ms, 0);
	if (!atomic_compare_exchange_strong(&wd_state, &expected, WD_DONE)) {
		for (;;) pause();
	}
}

static int fail(void)
{
	claim_output();
	fputs("{\"error\":", stdout);
	json_string(stdout, g_err[0] ? g_err : "unknown error");
	fputs("}\n", stdout);
	fflush(stdout);
	return 1;
}

/* ------------------------------------------------------------------------------------------ */
/* Sessions                                                                                   */

struct session {
	const char *label;           /* " (session A)", " (session B)" or "" */
	struct iscsi_context *ctx;
	struct iscsi_url *url;
	int logged_in;
	/* Set when a sync call came back without a finished task (libiscsi then still holds a PDU
	 * whose callback points into a dead stack frame: never touch the context again) or the
	 * session state is unknown (timeout, cancelled). */
	int broken;
};

static int open_session(struct session *s, const char *label, const char *url, const char *initiator)
{
	memset(s, 0, sizeof(*s));
	s->label = label;
	s->ctx = iscsi_create_context(initiator);
	if (s->ctx == NULL) {
		set_err("iscsi_create_context(\"%s\") failed%s", initiator, label);
		return -1;
	}
	s->url = iscsi_parse_full_url(s->ctx, url);
	if (s->url == NULL) {
		set_err("bad iSCSI URL \"%s\": %s (expected iscsi://[user%%secret@]host[:port]/<target-iqn>/<lun>)",
			url, iscsi_get_error(s->ctx));
		return -1;
	}
	iscsi_set_session_type(s->ctx, ISCSI_SESSION_NORMAL);
	iscsi_set_targetname(s->ctx, s->url->target);
	/* libiscsi offers CRC32C,None by default; clusterprobe's initiator uses None. */
	iscsi_set_header_digest(s->ctx, ISCSI_HEADER_DIGEST_NONE);
	iscsi_set_timeout(s->ctx, g_timeout_s);
	iscsi_set_noautoreconnect(s->ctx, 1);
	iscsi_set_reconnect_max_retries(s->ctx, 0);
	if (getenv("LIBISCSI_DEBUG") == NULL) {
		iscsi_set_log_fn(s->ctx, capture_log);
		iscsi_set_log_level(s->ctx, 1);
	}
	if (s->url->user[0] && iscsi_set_initiator_username_pwd(s->ctx, s->url->user, s->url->passwd) != 0) {
		set_err("CHAP setup failed%s: %s", label, iscsi_get_error(s->ctx));
		return -1;
	}
	if (s->url->target_user[0] &&
	    iscsi_set_target_username_pwd(s->ctx, s->url->target_user, s->url->target_passwd) != 0) {
		set_err("mutual CHAP setup failed%s: %s", label, iscsi_get_error(s->ctx));
		return -1;
	}
	/* connect + login + TEST UNIT READY until the unit attentions are gone (up to 10). */
	arm("connect and login", 3 * g_timeout_s + 5);
	if (iscsi_full_connect_sync(s->ctx, s->url->portal, s->url->lun) != 0) {
		set_err("login to %s at %s as %s%s failed: %s", s->url->target, s->url->portal,
			initiator, label, why(s->ctx));
		s->broken = 1;
		return -1;
	}
	s->logged_in = 1;
	return 0;
}

/* Logs out (bounded) and frees the context. Returns -1 if the logout failed. */
static int close_session(struct session *s)
{
	int rc = 0;
	if (s->ctx == NULL) return 0;
	if (s->broken) {
		/* The process is about to exit: the kernel closes the socket. */
		return 0;
	}
	if (s->logged_in) {
		arm("logout", g_timeout_s + 5);
		if (iscsi_logout_sync(s->ctx) != 0) {
			set_err("logout%s failed: %s", s->label, why(s->ctx));
			rc = -1;
		}
		s->logged_in = 0;
	}
	if (s->url) iscsi_destroy_url(s->url);
	iscsi_destroy_context(s->ctx);
	s->url = NULL;
	s->ctx = NULL;
	return rc;
}

static const char *status_name(int status)
{
	switch (status) {
	case SCSI_STATUS_GOOD: return "GOOD";
	case SCSI_STATUS_CHECK_CONDITION: return "CHECK CONDITION";
	case SCSI_STATUS_CONDITION_MET: return "CONDITION MET";
	case SCSI_STATUS_BUSY: return "BUSY";
	case SCSI_STATUS_RESERVATION_CONFLICT: return "RESERVATION CONFLICT";
	case SCSI_STATUS_TASK_SET_FULL: return "TASK SET FULL";
	case SCSI_STATUS_ACA_ACTIVE: return "ACA ACTIVE";
	case SCSI_STATUS_TASK_ABORTED: return "TASK ABORTED";
	case SCSI_STATUS_CANCELLED: return "CANCELLED (connection lost)";
	case SCSI_STATUS_ERROR: return "ERROR";
	case SCSI_STATUS_TIMEOUT: return "TIMEOUT";
	default: return "unknown status";
	}
}

/*
 * One PERSISTENT RESERVE IN (is_in) or OUT command, retried on UNIT ATTENTION. Returns the task
 * (status GOOD; caller frees it) or NULL with g_err set.
 */
static struct scsi_task *pr_command(struct session *s, const char *what, int is_in, int sa, int type,
				    struct scsi_persistent_reserve_out_basic *params, uint16_t alloc_len,
				    int *unit_attentions)
{
	for (int attempt = 0;; attempt++) {
		arm(what, g_timeout_s + 5);
		struct scsi_task *task = is_in
			? iscsi_persistent_reserve_in_sync(s->ctx, s->url->lun, sa, alloc_len)
			: iscsi_persistent_reserve_out_sync(s->ctx, s->url->lun, sa, SCSI_PERSISTENT_RESERVE_SCOPE_LU,
							    type, params);
		if (task == NULL) {
			set_err("%s%s failed: %s", what, s->label, why(s->ctx));
			s->broken = 1;
			return NULL;
		}
		if (task->status == SCSI_STATUS_GOOD) return task;
		if (task->status == SCSI_STATUS_CHECK_CONDITION && task->sense.key == SCSI_SENSE_UNIT_ATTENTION &&
		    attempt < UA_RETRIES) {
			if (unit_attentions) (*unit_attentions)++;
			scsi_free_scsi_task(task);
			continue;
		}
		if (task->status == SCSI_STATUS_CHECK_CONDITION) {
			set_err("%s%s: CHECK CONDITION, sense %s (%02x) ASC/ASCQ %02x/%02x %s%s", what,
				s->label, scsi_sense_key_str(task->sense.key), task->sense.key,
				(task->sense.ascq >> 8) & 0xff, task->sense.ascq & 0xff,
				scsi_sense_ascq_str(task->sense.ascq),
				task->sense.key == SCSI_SENSE_UNIT_ATTENTION ? " (still after 3 retries)" : "");
		} else if (task->status == SCSI_STATUS_TIMEOUT || task->status == SCSI_STATUS_CANCELLED ||
			   task->status == SCSI_STATUS_ERROR) {
			set_err("%s%s: %s: %s", what, s->label, status_name(task->status), why(s->ctx));
			s->broken = 1;
		} else {
			set_err("%s%s: SCSI status 0x%02x %s", what, s->label, task->status,
				status_name(task->status));
		}
		scsi_free_scsi_task(task);
		return NULL;
	}
}

static int pr_out(struct session *s, const char *what, int sa, int type, uint64_t key, uint64_t sa_key,
		  int *unit_attentions)
{
	struct scsi_persistent_reserve_out_basic p;
	memset(&p, 0, sizeof(p));
	p.reservation_key = key;
	p.service_action_reservation_key = sa_key;
	struct scsi_task *task = pr_command(s, what, 0, sa, type, &p, 0, unit_attentions);
	if (task == NULL) return -1;
	scsi_free_scsi_task(task);
	return 0;
}

struct keys {
	uint32_t generation;
	int count;
	uint64_t *keys; /* malloc'ed */
};

static int read_keys(struct session *s, struct keys *out, int *unit_attentions)
{
	uint16_t alloc_len = 8 + 8 * 255;
	memset(out, 0, sizeof(*out));
	for (int pass = 0; pass < 2; pass++) {
		struct scsi_task *task = pr_command(s, "PERSISTENT RESERVE IN / READ KEYS", 1,
						    SCSI_PERSISTENT_RESERVE_READ_KEYS, 0, NULL, alloc_len,
						    unit_attentions);
		if (task == NULL) return -1;
		if (task->datain.size < 8) {
			set_err("READ KEYS%s: %d bytes of parameter data, at least 8 expected", s->label,
				task->datain.size);
			scsi_free_scsi_task(task);
			return -1;
		}
		struct scsi_persistent_reserve_in_read_keys *rk = scsi_datain_unmarshall(task);
		if (rk == NULL) {
			set_err("READ KEYS%s: could not decode the parameter data", s->label);
			scsi_free_scsi_task(task);
			return -1;
		}
		/* libiscsi decodes only the keys that arrived; ADDITIONAL LENGTH says how many exist. */
		if ((uint32_t)rk->num_keys * 8 < rk->additional_length) {
			uint32_t want = 8 + rk->additional_length;
			scsi_free_scsi_task(task);
			if (pass == 0 && want > alloc_len) {
				alloc_len = want > 0xffff ? 0xffff : (uint16_t)want;
				continue;
			}
			set_err("READ KEYS%s: the target lists %u bytes of keys, more than one READ KEYS can return",
				s->label, (unsigned)(want - 8));
			return -1;
		}
		out->generation = rk->prgeneration;
		out->count = rk->num_keys;
		out->keys = calloc(rk->num_keys > 0 ? (size_t)rk->num_keys : 1, sizeof(uint64_t));
		if (out->keys == NULL) {
			set_err("out of memory");
			scsi_free_scsi_task(task);
			return -1;
		}
		for (int i = 0; i < rk->num_keys; i++) out->keys[i] = rk->keys[i];
		scsi_free_scsi_task(task);
		return 0;
	}
	return -1;
}

struct reservation {
	uint32_t generation;
	int reserved;
	uint64_t key;
	int scope;
	int type;
};

static int read_reservation(struct session *s, struct reservation *out, int *unit_attentions)
{
	memset(out, 0, sizeof(*out));
	struct scsi_task *task = pr_command(s, "PERSISTENT RESERVE IN / READ RESERVATION", 1,
					    SCSI_PERSISTENT_RESERVE_READ_RESERVATION, 0, NULL, 24,
					    unit_attentions);
	if (task == NULL) return -1;
	if (task->datain.size < 8) {
		set_err("READ RESERVATION%s: %d bytes of parameter data, at least 8 expected", s->label,
			task->datain.size);
		scsi_free_scsi_task(task);
		return -1;
	}
	struct scsi_persistent_reserve_in_read_reservation *rr = scsi_datain_unmarshall(task);
	if (rr == NULL) {
		set_err("READ RESERVATION%s: could not decode the parameter data", s->label);
		scsi_free_scsi_task(task);
		return -1;
	}
	if (rr->reserved && task->datain.size < 22) {
		set_err("READ RESERVATION%s: ADDITIONAL LENGTH %u but only %d bytes arrived", s->label,
			(unsigned)rr->additional_length, task->datain.size);
		scsi_free_scsi_task(task);
		return -1;
	}
	out->generation = rr->prgeneration;
	out->reserved = rr->reserved;
	out->key = rr->reservation_key;
	out->scope = rr->pr_scope;
	out->type = rr->pr_type;
	scsi_free_scsi_task(task);
	return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Commands                                                                                   */

static int cmd_keys(const char *url, const char *initiator)
{
	struct session s;
	struct keys k;
	if (open_session(&s, "", url, initiator) != 0 || read_keys(&s, &k, NULL) != 0) {
		close_session(&s);
		return fail();
	}
	if (close_session(&s) != 0) {
		free(k.keys);
		return fail();
	}
	claim_output();
	printf("{\"generation\":%" PRIu32 ",\"keys\":[", k.generation);
	for (int i = 0; i < k.count; i++) printf("%s\"0x%016" PRIx64 "\"", i ? "," : "", k.keys[i]);
	printf("]}\n");
	fflush(stdout);
	free(k.keys);
	return 0;
}

static int cmd_reservation(const char *url, const char *initiator)
{
	struct session s;
	struct reservation r;
	if (open_session(&s, "", url, initiator) != 0 || read_reservation(&s, &r, NULL) != 0) {
		close_session(&s);
		return fail();
	}
	if (close_session(&s) != 0) return fail();
	claim_output();
	if (r.reserved)
		printf("{\"generation\":%" PRIu32 ",\"key\":\"0x%016" PRIx64 "\",\"type\":%d}\n", r.generation, r.key,
		       r.type);
	else
		printf("{\"generation\":%" PRIu32 ",\"key\":null}\n", r.generation);
	fflush(stdout);
	return 0;
}

static int has_key(const struct keys *k, uint64_t key)
{
	for (int i = 0; i < k->count; i++)
		if (k->keys[i] == key) return 1;
	return 0;
}

/* One repetition of the sequence; returns -1 with g_err set. */
static int bench_sequence(struct session *a, struct session *b, int *uas)
{
	struct keys k;
	struct reservation r;
	const int RIE = SCSI_PERSISTENT_RESERVE_REGISTER_AND_IGNORE_EXISTING_KEY;

	if (read_keys(a, &k, uas) != 0) return -1;
	free(k.keys);
	if (pr_out(a, "REGISTER AND IGNORE EXISTING KEY (KA)", RIE, 0, 0, KEY_A, uas) != 0) return -1;
	if (pr_out(b, "REGISTER AND IGNORE EXISTING KEY (KB)", RIE, 0, 0, KEY_B, uas) != 0) return -1;
	if (pr_out(a, "RESERVE type 5 (KA)", SCSI_PERSISTENT_RESERVE_RESERVE, PR_TYPE_WERO, KEY_A, 0, uas) != 0)
		return -1;
	if (read_reservation(b, &r, uas) != 0) return -1;
	if (!r.reserved || r.key != KEY_A || r.type != PR_TYPE_WERO) {
		set_err("READ RESERVATION (session B) after A's RESERVE: expected key 0x%016" PRIx64
			" type 5, got %s0x%016" PRIx64 " type %d",
			KEY_A, r.reserved ? "" : "no reservation, ", r.key, r.type);
		return -1;
	}
	if (pr_out(b, "PREEMPT type 5 (KB preempts KA)", SCSI_PERSISTENT_RESERVE_PREEMPT, PR_TYPE_WERO, KEY_B, KEY_A,
		   uas) != 0)
		return -1;
	if (pr_out(b, "RELEASE type 5 (KB)", SCSI_PERSISTENT_RESERVE_RELEASE, PR_TYPE_WERO, KEY_B, 0, uas) != 0)
		return -1;
	if (pr_out(b, "REGISTER AND IGNORE EXISTING KEY 0 (unregister B)", RIE, 0, 0, 0, uas) != 0) return -1;
	if (pr_out(a, "REGISTER AND IGNORE EXISTING KEY 0 (unregister A)", RIE, 0, 0, 0, uas) != 0) return -1;
	if (read_keys(a, &k, uas) != 0) return -1;
	int left = has_key(&k, KEY_A) || has_key(&k, KEY_B);
	free(k.keys);
	if (left) {
		set_err("READ KEYS (session A) at the end of a sequence still lists KA or KB");
		return -1;
	}
	return 0;
}

/* After a failure: unregister both sessions (which also drops a reservation they hold). */
static void bench_cleanup(struct session *a, struct session *b)
{
	char saved[sizeof(g_err)];
	memcpy(saved, g_err, sizeof(saved));
	struct session *order[2] = { b, a };
	for (int i = 0; i < 2; i++) {
		struct session *s = order[i];
		if (s->ctx && s->logged_in && !s->broken)
			(void)pr_out(s, "cleanup: REGISTER AND IGNORE EXISTING KEY 0", SCSI_PERSISTENT_RESERVE_REGISTER_AND_IGNORE_EXISTING_KEY,
				     0, 0, 0, NULL);
	}
	close_session(b);
	close_session(a);
	memcpy(g_err, saved, sizeof(saved));
}

static int cmd_bench(const char *url, const char *initiator_a, const char *initiator_b, long iterations)
{
	struct session a, b;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	int uas = 0;

	double t0 = mono_s();
	if (open_session(&a, " (session A)", url, initiator_a) != 0 || open_session(&b, " (session B)", url, initiator_b) != 0) {
		bench_cleanup(&a, &b);
		return fail();
	}
	double t1 = mono_s();
	for (long i = 0; i < iterations; i++) {
		if (bench_sequence(&a, &b, &uas) != 0) {
			char why[sizeof(g_err)];
			memcpy(why, g_err, sizeof(why));
			set_err("iteration %ld of %ld: %s", i + 1, iterations, why);
			bench_cleanup(&a, &b);
			return fail();
		}
	}
	double t2 = mono_s();
	int rb = close_session(&b);
	int ra = close_session(&a);
	if (rb != 0 || ra != 0) return fail();

	claim_output();
	printf("{\"tool\":\"libiscsi\",\"perSequenceMs\":%.4f,\"loginMs\":%.3f,\"iterations\":%ld,\"unitAttentions\":%d}\n",
	       (t2 - t1) * 1000.0 / (double)iterations, (t1 - t0) * 1000.0, iterations, uas);
	fflush(stdout);
	return 0;
}

/* ------------------------------------------------------------------------------------------ */

static int usage(const char *why)
{
	set_err("%s. Usage: prtool keys|reservation <iscsi-url> [--initiator IQN] [--timeout S] | "
		"prtool bench <iscsi-url> --initiator-a IQN --initiator-b IQN --iterations N [--timeout S]",
		why);
	return fail();
}

int main(int argc, char **argv)
{
	const char *mode = NULL, *url = NULL;
	const char *initiator = DEFAULT_INITIATOR, *initiator_a = NULL, *initiator_b = NULL;
	long iterations = -1;

	if (argc < 2) return usage("missing command");
	mode = argv[1];
	for (int i = 2; i < argc; i++) {
		const char *arg = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(arg, "--initiator") == 0 || strcmp(arg, "--initiator-a") == 0 ||
		    strcmp(arg, "--initiator-b") == 0 || strcmp(arg, "--iterations") == 0 ||
		    strcmp(arg, "--timeout") == 0) {
			if (val == NULL || val[0] == '\0') {
				char why[64];
				snprintf(why, sizeof(why), "%s needs a value", arg);
				return usage(why);
			}
			i++;
			if (strcmp(arg, "--initiator") == 0) initiator = val;
			else if (strcmp(arg, "--initiator-a") == 0) initiator_a = val;
			else if (strcmp(arg, "--initiator-b") == 0) initiator_b = val;
			else {
				char *end;
				errno = 0;
				long n = strtol(val, &end, 10);
				if (errno || *end || n < 1 || (strcmp(arg, "--timeout") == 0 && n > 3600))
					return usage(strcmp(arg, "--timeout") == 0 ? "--timeout must be 1..3600 seconds"
										   : "--iterations must be a positive integer");
				if (strcmp(arg, "--timeout") == 0) g_timeout_s = (int)n;
				else iterations = n;
			}
		} else if (strncmp(arg, "--", 2) == 0) {
			char why[128];
			snprintf(why, sizeof(why), "unknown option %.80s", arg);
			return usage(why);
		} else if (url == NULL) {
			url = arg;
		} else {
			return usage("more than one URL");
		}
	}
	if (url == NULL) return usage("missing <iscsi-url>");

	start_watchdog();
	if (strcmp(mode, "keys") == 0) return cmd_keys(url, initiator);
	if (strcmp(mode, "reservation") == 0) return cmd_reservation(url, initiator);
	if (strcmp(mode, "bench") == 0) {
		if (initiator_a == NULL || initiator_b == NULL) return usage("bench needs --initiator-a and --initiator-b");
		if (strcmp(initiator_a, initiator_b) == 0)
			return usage("--initiator-a and --initiator-b must differ");
		if (iterations < 1) return usage("bench needs --iterations N");
		return cmd_bench(url, initiator_a, initiator_b, iterations);
	}
	return usage("unknown command");
}
