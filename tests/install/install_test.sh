#!/bin/sh
# install_test.sh - the library used the way C libraries are used.
#
#     install_test.sh BUILD_DIR SOURCE_DIR WORK_DIR
#
# Installs the library from BUILD_DIR into a fresh prefix under WORK_DIR
# (cmake --install), then builds tests/install/app.c outside the workbook's
# build twice - once with pkg-config (against the shared library, run
# through the rpath the test gives it), once with find_package(OrmWorkbook)
# (against the static library) - and runs each on a new SQLite file. Each
# must print the note it stored.
set -eu
build=$1 src=$2 work=$3
prefix=$work/prefix
rm -rf "$work"
mkdir -p "$work"

step() { echo "== $*"; }

step "cmake --install into $prefix"
cmake --install "$build" --prefix "$prefix" >"$work/install.log" || {
	cat "$work/install.log"; exit 1; }
libdir=$(ls -d "$prefix"/lib*/pkgconfig | head -n 1)
libdir=${libdir%/pkgconfig}
for f in "$prefix/include/orm/orm.h" "$libdir/libormworkbook.a" \
	"$libdir/libormworkbook.so" "$libdir/pkgconfig/ormworkbook.pc" \
	"$libdir/cmake/OrmWorkbook/OrmWorkbookConfig.cmake"; do
	[ -e "$f" ] || { echo "not installed: $f"; exit 1; }
done
soname=$(objdump -p "$libdir/libormworkbook.so" | awk '/SONAME/ {print $2}')
echo "SONAME $soname"
[ "$soname" = libormworkbook.so.0 ] || { echo "unexpected SONAME '$soname'"; exit 1; }

step "through pkg-config (shared library)"
export PKG_CONFIG_PATH="$libdir/pkgconfig"
flags=$(pkg-config --cflags --libs ormworkbook)
echo "pkg-config: $flags"
# shellcheck disable=SC2086
${CC:-cc} -std=c11 -Wall -Werror -o "$work/app-pc" "$src/tests/install/app.c" $flags \
	-Wl,-rpath,"$libdir"
ldd "$work/app-pc" | grep -q "$libdir/libormworkbook.so.0" || {
	echo "app-pc does not use the installed shared library:"; ldd "$work/app-pc"; exit 1; }
out=$("$work/app-pc" "$work/pc.db")
echo "$out"
[ "$out" = "note 1: built outside the workbook" ]

step "through find_package(OrmWorkbook) (static library)"
cmake -S "$src/tests/install" -B "$work/app-build" -DCMAKE_PREFIX_PATH="$prefix" \
	-DCMAKE_C_COMPILER="${CC:-cc}" >"$work/configure.log" || {
	cat "$work/configure.log"; exit 1; }
cmake --build "$work/app-build" >"$work/build.log" || { cat "$work/build.log"; exit 1; }
out=$("$work/app-build/app" "$work/cmake.db")
echo "$out"
[ "$out" = "note 1: built outside the workbook" ]
echo "install test: both ways built and ran"
