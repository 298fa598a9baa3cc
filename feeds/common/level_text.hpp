#pragma once
// One price level as text views into the receive buffer, as every venue
// parser hands it to VenueBooks (which converts it exactly, DESIGN §3).
#include <string_view>

namespace wirebook::feeds {

struct LevelText {
  std::string_view px;
  std::string_view qty;  // absolute size; "0" deletes
};

}  // namespace wirebook::feeds
