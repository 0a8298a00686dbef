// `mediawatch feeds status|import|export`: placeholder until the command lands.
#include "app/cli.h"

namespace mw {

void AddFeedsCommand(CLI::App& app, std::vector<Command>* commands) {}

}  // namespace mw
