// The dashboard of DESIGN.md §2: GET / is web/index.html, GET /ui/<file> every other embedded
// file. The page is public (it holds no data; it asks for the token when the API wants one),
// and it may only talk to the daemon that served it (Content-Security-Policy 'self').
//
//   install_dashboard_routes(router);
#pragma once

#include "http/router.h"

namespace vs {

void install_dashboard_routes(Router& router);

}  // namespace vs
