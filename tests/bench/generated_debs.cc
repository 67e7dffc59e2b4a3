#include "tests/bench/generated_debs.h"

#include <archive.h>
#include <archive_entry.h>

#include <cstdio>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "deb/testing/apt_lists.h"

namespace debrepo::testing {
namespace {

// A tar.gz holding `files` (name, content), built in memory.
std::string TarGz(
    const std::vector<std::pair<std::string, std::string>>& files) {
  std::string out(1 << 20, '\0');
  size_t used = 0;
  for (;;) {
    archive* a = archive_write_new();
    archive_write_set_format_ustar(a);
    archive_write_add_filter_gzip(a);
    archive_write_open_memory(a, out.data(), out.size(), &used);
    for (const auto& [name, content] : files) {
      archive_entry* entry = archive_entry_new();
      archive_entry_set_pathname(entry, name.c_str());
      archive_entry_set_size(entry, content.size());
      archive_entry_set_filetype(entry, AE_IFREG);
      archive_entry_set_perm(entry, 0644);
      archive_write_header(a, entry);
      archive_write_data(a, content.data(), content.size());
      archive_entry_free(entry);
    }
    const int closed = archive_write_close(a);
    archive_write_free(a);
    if (closed == ARCHIVE_OK) break;
    out.resize(out.size() * 2);  // too small: try again with more room
  }
  out.resize(used);
  return out;
}

void AppendArMember(std::string& ar, const std::string& name,
                    const std::string& content) {
  char header[61];
  std::snprintf(header, sizeof(header), "%-16s%-12d%-6d%-6d%-8s%-10zu`\n",
                name.c_str(), 0, 0, 0, "100644", content.size());
  ar.append(header, 60);
  ar += content;
  if (content.size() % 2 == 1) ar += '\n';
}

}  // namespace

std::string MakeDeb(const deb::Paragraph& control) {
  std::string ar = "!<arch>\n";
  AppendArMember(ar, "debian-binary", "2.0\n");
  AppendArMember(ar, "control.tar.gz",
                 TarGz({{"./control", control.ToString() + "\n"}}));
  AppendArMember(
      ar, "data.tar.gz",
      TarGz({{absl::StrCat("./usr/share/doc/", control.GetOrEmpty("Package"),
                           "/copyright"),
              "generated\n"}}));
  return ar;
}

std::vector<deb::Paragraph> RealControls(size_t count) {
  std::vector<deb::Paragraph> controls;
  absl::StatusOr<std::string> index = deb::testing::FindAptPackagesIndex();
  if (!index.ok()) return controls;
  absl::StatusOr<std::string> text = deb::testing::ReadDecompressedFile(*index);
  if (!text.ok()) return controls;
  deb::ParagraphReader reader(*text);
  deb::Paragraph stanza;
  while (controls.size() < count) {
    absl::StatusOr<bool> more = reader.Next(&stanza);
    if (!more.ok() || !*more) break;
    deb::Paragraph control;
    for (const deb::Field& field : stanza.fields()) {
      if (field.name == "Filename" || field.name == "Size" ||
          field.name == "MD5sum" || field.name == "SHA256" ||
          field.name == "Description-md5") {
        continue;
      }
      (void)control.Set(field.name, field.value);
    }
    controls.push_back(std::move(control));
  }
  return controls;
}

}  // namespace debrepo::testing
