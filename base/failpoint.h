// mediawatch/base/failpoint.h
//
// Named crash points for crash-safety tests. A test starts a mediawatch
// process with MEDIAWATCH_FAILPOINT=NAME:N in its environment; the Nth time
// the code passes Failpoint("NAME"), the process kills itself with SIGKILL —
// exactly as `kill -9` or a power cut would stop it at that spot (no
// destructors, no flush). Without the variable a failpoint is one relaxed
// atomic load.
//
// Names in use (crawler/pipeline.cc): "after_fetch" (an article's page has
// been fetched, nothing stored), "before_commit" (extracted and matched, the
// write not yet issued), "after_commit" (written; the feed's state not yet).
#pragma once

namespace mw {

void Failpoint(const char* name);

}  // namespace mw
