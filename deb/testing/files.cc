#include "deb/testing/files.h"

#include <fstream>
#include <sstream>

namespace debrepo::deb::testing {

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream data;
  data << in.rdbuf();
  return data.str();
}

void WriteFile(const std::filesystem::path& path, absl::string_view data) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary)
      .write(data.data(), static_cast<std::streamsize>(data.size()));
}

}  // namespace debrepo::deb::testing
