/*
 * The daemon's control side: main(), logging setup and telemetry. Runs on
 * the EAL main thread; the dataplane lcore is reached only through dp.h.
 */
#ifndef RC_CTL_H
#define RC_CTL_H

#include <stdint.h>

struct rc_dp;
struct rc_config_logging;

uint32_t rc_ctl_nodeid(void);
int rc_telemetry_register(struct rc_dp *dp);
int rc_log_setup(const struct rc_config_logging *lg, int foreground);

#endif /* RC_CTL_H */
