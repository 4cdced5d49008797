# The fuzz targets (issue 10), one line each:
#
#   orm_fuzz_target(NAME SOURCE LIBRARY...)
#
# SOURCE (in fuzz/) defines LLVMFuzzerTestOneInput; LIBRARY... are CMake targets of the
# workbook it links with; fuzz/corpus/NAME/ holds its seed inputs. Both builds read this
# list: fuzz/CMakeLists.txt (clang, libFuzzer: ./workbook fuzz) and fuzz/replay.cmake (the
# normal build: ctest -L fuzz replays each corpus). A new target is one line here, its
# source, and a corpus directory with a few seeds (and, if the library is new to the fuzz
# build, its add_library in fuzz/CMakeLists.txt).
orm_fuzz_target(url url_fuzz.c orm)
orm_fuzz_target(book book_fuzz.c bookparse)
orm_fuzz_target(app app_fuzz.c ch06_app)
orm_fuzz_target(revision revision_fuzz.c ch07_migrate_args orm)
