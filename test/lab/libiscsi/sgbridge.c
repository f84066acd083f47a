/*
 * sgbridge: a long-lived process holding one libiscsi session per fake device path, so that
 * sg3_utils (sg_persist, sg_inq, sg_readcap, sg_turs), run with sgshim.so preloaded, sends its
 * SG_IO commands to a real iSCSI target (tgt in the lab) as if /dev/sg-... were a local disk.
 *
 *   sgbridge --socket PATH [--timeout S] --map DEVPATH ISCSI-URL INITIATOR [--map ...]
 *
 * Why a daemon: PR registrations belong to an I_T nexus (initiator name + ISID). Every sg3_utils
 * invocation is a new process; a session per process would end (and tgt would orphan the
 * registration) after each command. Here each mapped path keeps one session for the bridge's
 * lifetime, with its own initiator name: two paths mapped to one LUN with two initiator names are
 * two I_T nexuses to one disk, like two hosts (or two multipath paths) on a shared LUN.
 *
 * stdout: "READY\n" once every session is logged in and the socket listens; or "ERROR: ...\n"
 * and exit status 1. Diagnostics go to stderr (SGBRIDGE_TRACE=1 also logs every CDB).
 *
 * Every libiscsi call is bounded: iscsi_set_timeout (default 10 s) plus a watchdog thread that
 * ends the process if one call runs past S+5 s (3S+5 for connect + login), as prtool.c does.
 * No reconnect: a new login would be a new ISID, i.e. another I_T nexus without the session's
 * registrations. A session that fails is marked broken; its clients get host status DID_ERROR.
 *
 * Build: cc -O2 -o sgbridge sgbridge.c -liscsi -lpthread
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>

#include "sgbridge.h"

#define MAX_MAPS 16
#define MAX_CLIENTS 64

struct map {
	const char *path;
	const char *url_text;
	const char *initiator;
	struct iscsi_context *ctx;
	struct iscsi_url *url;
	int broken;
};

struct client {
	int fd;
	int map; /* -1 until the hello */
};

static struct map g_maps[MAX_MAPS];
static int g_nmaps;
static int g_timeout_s = 10;
static int g_trace;

/* ------------------------------------------------------------------------------------------ */
/* Watchdog                                                                                   */

static _Atomic long long wd_deadline_ms;
static _Atomic(const char *) wd_what;

static long long mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void arm(const char *what, int limit_s)
{
	atomic_store(&wd_what, what);
	atomic_store(&wd_deadline_ms, mono_ms() + (long long)limit_s * 1000);
}

static void disarm(void) { atomic_store(&wd_deadline_ms, 0); }

static void *watchdog(void *unused)
{
	(void)unused;
	const struct timespec tick = { 0, 100 * 1000 * 1000 };
	for (;;) {
		nanosleep(&tick, NULL);
		long long d = atomic_load(&wd_deadline_ms);
		if (d == 0 || mono_ms() <= d) continue;
		fprintf(stderr, "sgbridge: %s did not finish in time (watchdog); exiting\n", atomic_load(&wd_what));
		printf("ERROR: %s did not finish in time (watchdog)\n", atomic_load(&wd_what));
		fflush(stdout);
		_exit(3);
	}
	return NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* Sessions                                                                                   */

static int login(struct map *m)
{
	m->ctx = iscsi_create_context(m->initiator);
	if (m->ctx == NULL) {
		printf("ERROR: iscsi_create_context(%s) failed\n", m->initiator);
		return -1;
	}
	m->url = iscsi_parse_full_url(m->ctx, m->url_text);
	if (m->url == NULL) {
		printf("ERROR: bad iSCSI URL %s: %s\n", m->url_text, iscsi_get_error(m->ctx));
		return -1;
	}
	iscsi_set_session_type(m->ctx, ISCSI_SESSION_NORMAL);
	iscsi_set_targetname(m->ctx, m->url->target);
	iscsi_set_header_digest(m->ctx, ISCSI_HEADER_DIGEST_NONE);
	iscsi_set_timeout(m->ctx, g_timeout_s);
	iscsi_set_noautoreconnect(m->ctx, 1);
	iscsi_set_reconnect_max_retries(m->ctx, 0);
	/* connect + login + TEST UNIT READY until the power-on unit attention is consumed, as the
	 * Linux SCSI midlayer does when it scans a new device */
	arm("connect and login", 3 * g_timeout_s + 5);
	int rc = iscsi_full_connect_sync(m->ctx, m->url->portal, m->url->lun);
	disarm();
	if (rc != 0) {
		printf("ERROR: login to %s as %s for %s failed: %s\n", m->url_text, m->initiator, m->path,
		       iscsi_get_error(m->ctx));
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Socket I/O: clients are local and small; each read or write is bounded by SO_RCVTIMEO/SNDTIMEO */

static int read_full(int fd, void *buf, size_t n)
{
	uint8_t *p = buf;
	while (n > 0) {
		ssize_t r = read(fd, p, n);
		if (r < 0 && errno == EINTR) continue;
		if (r <= 0) return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static int write_full(int fd, const void *buf, size_t n)
{
	const uint8_t *p = buf;
	while (n > 0) {
		ssize_t r = send(fd, p, n, MSG_NOSIGNAL);
		if (r < 0 && errno == EINTR) continue;
		if (r <= 0) return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static int handle_hello(struct client *c)
{
	struct sgb_hello h;
	char path[SGB_MAX_PATH + 1];
	if (read_full(c->fd, &h, sizeof(h)) != 0 || h.magic != SGB_MAGIC || h.path_len == 0 || h.path_len > SGB_MAX_PATH)
		return -1;
	if (read_full(c->fd, path, h.path_len) != 0) return -1;
	path[h.path_len] = '\0';
	int32_t err = ENOENT;
	for (int i = 0; i < g_nmaps; i++) {
		if (strcmp(g_maps[i].path, path) == 0) {
			err = g_maps[i].broken ? EIO : 0;
			if (!err) c->map = i;
			break;
		}
	}
	if (write_full(c->fd, &err, sizeof(err)) != 0) return -1;
	return err ? -1 : 0;
}

static int handle_request(struct client *c)
{
	struct sgb_request rq;
	if (read_full(c->fd, &rq, sizeof(rq)) != 0 || rq.magic != SGB_MAGIC) return -1;
	if (rq.cdb_len < 6 || rq.cdb_len > 16 || rq.dxfer_len > SGB_MAX_XFER || rq.dir > SGB_DIR_TO_DEV) return -1;
	uint8_t *dout = NULL;
	if (rq.dir == SGB_DIR_TO_DEV && rq.dxfer_len > 0) {
		dout = malloc(rq.dxfer_len);
		if (dout == NULL || read_full(c->fd, dout, rq.dxfer_len) != 0) {
			free(dout);
			return -1;
		}
	}
	struct map *m = &g_maps[c->map];
	struct sgb_reply rp;
	memset(&rp, 0, sizeof(rp));
	const uint8_t *sense = NULL;
	const uint8_t *din = NULL;
	struct scsi_task *task = NULL;
	long long t0 = mono_ms();

	if (g_trace) {
		fprintf(stderr, "sgbridge: %s cdb", m->path);
		for (int i = 0; i < rq.cdb_len; i++) fprintf(stderr, " %02x", rq.cdb[i]);
		fprintf(stderr, " dir=%u len=%u\n", rq.dir, rq.dxfer_len);
	}
	if (m->broken) {
		rp.host_status = 0x07;
	} else {
		int xfer = rq.dir == SGB_DIR_FROM_DEV ? SCSI_XFER_READ : rq.dir == SGB_DIR_TO_DEV ? SCSI_XFER_WRITE : SCSI_XFER_NONE;
		task = scsi_create_task(rq.cdb_len, rq.cdb, xfer, (int)rq.dxfer_len);
		if (task == NULL) {
			free(dout);
			return -1;
		}
		struct iscsi_data data = { .size = rq.dxfer_len, .data = dout };
		arm("SCSI command", g_timeout_s + 5);
		struct scsi_task *done = iscsi_scsi_command_sync(m->ctx, m->url->lun, task, dout ? &data : NULL);
		disarm();
		if (done == NULL || task->status == SCSI_STATUS_TIMEOUT || task->status == SCSI_STATUS_CANCELLED ||
		    task->status == SCSI_STATUS_ERROR) {
			fprintf(stderr, "sgbridge: %s: command failed, session marked broken: %s\n", m->path,
				iscsi_get_error(m->ctx));
			m->broken = 1;
			rp.host_status = 0x07;
		} else {
			rp.status = (uint8_t)task->status;
			if (task->status == SCSI_STATUS_CHECK_CONDITION) {
				/* libiscsi keeps the Data segment as received: SenseLength (2 bytes), sense data */
				if (task->datain.size >= 2) {
					size_t slen = ((size_t)task->datain.data[0] << 8) | task->datain.data[1];
					if (slen > (size_t)task->datain.size - 2) slen = (size_t)task->datain.size - 2;
					if (slen > SGB_MAX_SENSE) slen = SGB_MAX_SENSE;
					rp.sense_len = (uint8_t)slen;
					sense = task->datain.data + 2;
					rp.driver_status = 0x08;
				}
				rp.resid = (int32_t)rq.dxfer_len;
			} else if (rq.dir == SGB_DIR_FROM_DEV) {
				uint32_t n = task->datain.size > 0 ? (uint32_t)task->datain.size : 0;
				if (n > rq.dxfer_len) n = rq.dxfer_len;
				rp.din_len = n;
				din = task->datain.data;
				rp.resid = (int32_t)(rq.dxfer_len - n);
			}
		}
	}
	rp.duration_ms = (uint32_t)(mono_ms() - t0);
	if (g_trace)
		fprintf(stderr, "sgbridge: %s status 0x%02x host 0x%02x sense %u din %u\n", m->path, rp.status,
			rp.host_status, rp.sense_len, rp.din_len);
	int rc = write_full(c->fd, &rp, sizeof(rp));
	if (rc == 0 && rp.sense_len) rc = write_full(c->fd, sense, rp.sense_len);
	if (rc == 0 && rp.din_len) rc = write_full(c->fd, din, rp.din_len);
	if (task) scsi_free_scsi_task(task);
	free(dout);
	return rc;
}

static int listen_on(const char *path)
{
	struct sockaddr_un a;
	memset(&a, 0, sizeof(a));
	a.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(a.sun_path)) {
		printf("ERROR: socket path too long: %s\n", path);
		return -1;
	}
	strcpy(a.sun_path, path);
	unlink(path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(fd, 16) != 0) {
		printf("ERROR: cannot listen on %s: %s\n", path, strerror(errno));
		return -1;
	}
	return fd;
}

static int usage(const char *why)
{
	printf("ERROR: %s. Usage: sgbridge --socket PATH [--timeout S] --map DEVPATH ISCSI-URL INITIATOR [--map ...]\n", why);
	return 1;
}

int main(int argc, char **argv)
{
	const char *socket_path = NULL;
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--socket") == 0 && i + 1 < argc) {
			socket_path = argv[++i];
		} else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc) {
			g_timeout_s = atoi(argv[++i]);
			if (g_timeout_s < 1 || g_timeout_s > 3600) return usage("--timeout must be 1..3600");
		} else if (strcmp(argv[i], "--map") == 0 && i + 3 < argc) {
			if (g_nmaps >= MAX_MAPS) return usage("too many --map");
			struct map *m = &g_maps[g_nmaps++];
			m->path = argv[i + 1];
			m->url_text = argv[i + 2];
			m->initiator = argv[i + 3];
			if (strlen(m->path) > SGB_MAX_PATH) return usage("device path too long");
			i += 3;
		} else {
			return usage("bad arguments");
		}
	}
	if (socket_path == NULL || g_nmaps == 0) return usage("--socket and at least one --map are needed");
	g_trace = getenv("SGBRIDGE_TRACE") != NULL;

	pthread_t t;
	if (pthread_create(&t, NULL, watchdog, NULL) == 0) pthread_detach(t);

	for (int i = 0; i < g_nmaps; i++)
		if (login(&g_maps[i]) != 0) return 1;
	int lfd = listen_on(socket_path);
	if (lfd < 0) return 1;
	printf("READY\n");

	struct client clients[MAX_CLIENTS];
	int nclients = 0;
	for (;;) {
		struct pollfd pfd[MAX_CLIENTS + 1];
		pfd[0].fd = lfd;
		pfd[0].events = POLLIN;
		for (int i = 0; i < nclients; i++) {
			pfd[i + 1].fd = clients[i].fd;
			pfd[i + 1].events = POLLIN;
		}
		if (poll(pfd, (nfds_t)nclients + 1, -1) < 0) {
			if (errno == EINTR) continue;
			perror("sgbridge: poll");
			return 1;
		}
		for (int i = nclients - 1; i >= 0; i--) {
			if (!pfd[i + 1].revents) continue;
			struct client *c = &clients[i];
			int rc = c->map < 0 ? handle_hello(c) : handle_request(c);
			if (rc != 0) {
				close(c->fd);
				clients[i] = clients[--nclients];
			}
		}
		if (pfd[0].revents & POLLIN) {
			int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
			if (fd < 0) continue;
			if (nclients >= MAX_CLIENTS) {
				close(fd);
				continue;
			}
			struct timeval tv = { 5, 0 };
			setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
			setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
			clients[nclients].fd = fd;
			clients[nclients].map = -1;
			nclients++;
		}
	}
}
