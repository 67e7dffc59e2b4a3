#!/bin/sh
# build_source_upload.sh OUTDIR NAME [SOURCE_OPTION]: builds a source
# package NAME 1.0-1
# ("3.0 (quilt)": .dsc, .orig.tar.gz, .debian.tar.xz), its binary package
# NAME_1.0-1_all.deb and a .buildinfo, and the source+binary .changes
# NAME_1.0-1_source.changes, with dpkg-source, dpkg-gencontrol, dpkg-deb,
# dpkg-genbuildinfo and dpkg-genchanges, as a Debian maintainer's build
# does (without debhelper). The .changes is not signed. SOURCE_OPTION is
# dpkg-genchanges' -sa (default: the orig tarball listed) or -sd (not
# listed, as for a second Debian revision).
set -eu
out=$1
name=$2
source_option=${3:--sa}
mkdir -p "$out"
cd "$out"
tree="$name-1.0"
mkdir -p "$tree"
echo "$name" > "$tree/README"
tar czf "${name}_1.0.orig.tar.gz" "$tree"
mkdir -p "$tree/debian/source"
echo "3.0 (quilt)" > "$tree/debian/source/format"
cat > "$tree/debian/changelog" <<CHANGELOG
$name (1.0-1) unstable; urgency=medium

  * Test upload.

 -- T <t@example.org>  Fri, 27 Nov 2026 00:00:00 +0000
CHANGELOG
cat > "$tree/debian/control" <<CONTROL
Source: $name
Section: misc
Priority: optional
Maintainer: T <t@example.org>

Package: $name
Architecture: all
Description: test package $name
 Built by tests/build_source_upload.sh.
CONTROL
printf '#!/usr/bin/make -f\n' > "$tree/debian/rules"
chmod +x "$tree/debian/rules"
dpkg-source -b "$tree" >/dev/null 2>&1
cd "$tree"
mkdir -p "debian/tmp/DEBIAN" "debian/tmp/usr/share/doc/$name"
cp README "debian/tmp/usr/share/doc/$name/"
dpkg-gencontrol "-p$name" -Pdebian/tmp
dpkg-deb --root-owner-group -b debian/tmp "../${name}_1.0-1_all.deb" >/dev/null
dpkg-genbuildinfo
dpkg-genchanges "$source_option" > "../${name}_1.0-1_source.changes" 2>/dev/null
cd ..
rm -rf "$tree"
