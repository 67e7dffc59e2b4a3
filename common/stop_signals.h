// Graceful stop on SIGTERM and SIGINT for the daemons.
#ifndef DEBREPO_COMMON_STOP_SIGNALS_H_
#define DEBREPO_COMMON_STOP_SIGNALS_H_

#include <signal.h>

namespace debrepo {

// BlockStopSignals blocks SIGTERM and SIGINT in the calling thread and the
// threads it starts afterwards (call it first in main), and ignores
// SIGPIPE (a peer closing a socket must not kill the process).
sigset_t BlockStopSignals();

// WaitForStopSignal blocks until one of `signals` arrives; returns it.
int WaitForStopSignal(const sigset_t& signals);

}  // namespace debrepo

#endif  // DEBREPO_COMMON_STOP_SIGNALS_H_
