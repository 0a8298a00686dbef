// `mediawatch feed parse`: placeholder until the command lands.
#include "app/cli.h"

namespace mw {

void AddFeedCommand(CLI::App& app, std::vector<Command>* commands) {}

}  // namespace mw
