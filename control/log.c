/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Logging through libqb, configured from logging {}: stderr, a file, syslog
 * and the blackbox. Only the control thread logs; the dataplane posts events.
 */
#include <syslog.h>

#include <qb/qblog.h>

#include "config.h"
#include "ctl.h"

int rc_log_setup(const struct rc_config_logging *lg, int foreground)
{
	int prio = lg->debug == RC_LOG_DEBUG_OFF ? LOG_INFO :
		   lg->debug == RC_LOG_DEBUG_TRACE ? LOG_TRACE : LOG_DEBUG;
	/* hires: milliseconds (libqb's %T) */
	const char *fmt = lg->timestamp == RC_LOG_TIMESTAMP_HIRES ? "%T [%p] %b" :
			  lg->timestamp == RC_LOG_TIMESTAMP_ON ? "%t [%p] %b" : "[%p] %b";

	qb_log_init("ringcastd", lg->syslog_facility, prio);
	qb_log_ctl(QB_LOG_SYSLOG, QB_LOG_CONF_ENABLED, lg->to_syslog ? QB_TRUE : QB_FALSE);
	qb_log_ctl(QB_LOG_STDERR, QB_LOG_CONF_ENABLED,
		   lg->to_stderr && foreground ? QB_TRUE : QB_FALSE);
	qb_log_filter_ctl(QB_LOG_STDERR, QB_LOG_FILTER_ADD, QB_LOG_FILTER_FILE, "*", prio);
	qb_log_format_set(QB_LOG_STDERR, fmt);
	if (lg->to_logfile && lg->logfile[0]) {
		int t = qb_log_file_open(lg->logfile);

		if (t < 0)
			return t;
		qb_log_filter_ctl(t, QB_LOG_FILTER_ADD, QB_LOG_FILTER_FILE, "*", prio);
		qb_log_format_set(t, fmt);
		qb_log_ctl(t, QB_LOG_CONF_ENABLED, QB_TRUE);
	}
	if (lg->blackbox) {
		qb_log_filter_ctl(QB_LOG_BLACKBOX, QB_LOG_FILTER_ADD, QB_LOG_FILTER_FILE, "*",
				  LOG_DEBUG);
		qb_log_ctl(QB_LOG_BLACKBOX, QB_LOG_CONF_SIZE, 1024 * 1024);
		qb_log_ctl(QB_LOG_BLACKBOX, QB_LOG_CONF_ENABLED, QB_TRUE);
	}
	return 0;
}
