#pragma once
// <dstream/sql.hpp>: writing a stream's pairs or tuples into a database table, exactly
// once across crashes, with SQLite, the embedded default (link `-lsqlite3`, Debian's
// libsqlite3-dev). For MySQL or MariaDB add `#include <dstream/sql/mariadb.hpp>` (link
// libmariadb, Debian's libmariadb-dev).
//
// Which databases a program can write to is which headers it includes, so it links only
// their client libraries:
//
//   <dstream/sql.hpp>           sqlite:// (this header: <dstream/sql/sqlite.hpp> and the output)
//   <dstream/sql/sqlite.hpp>    sqlite://                                     -lsqlite3
//   <dstream/sql/mariadb.hpp>   mysql://user:password@host:port/database      -lmariadb
//
// A URL whose header is not included is refused by `upsert` with the header to include.
//
// `stream | ds::sql::upsert("sqlite:///tmp/words.db", "wordcount", {"word", "count"})`
// writes each element as one row: the first column is the key (the table must have a
// PRIMARY KEY or UNIQUE constraint on it), the others take the element's other parts
// (elements: pairs, tuples, or structs with a field list, BOOST_HANA_DEFINE_STRUCT).
// With `ds::sql::set` (the default) a row replaces the values of its key; with
// `ds::sql::add` they are added (`count = count + excluded.count`).
//
// Each partition of a batch is one transaction, holding its rows and a row of the
// progress table `dstream_progress(output, part, batch_ms)`. A batch that runs again
// after a crash (recovery runs it at the same batch time with the same input) finds its
// progress rows and writes nothing twice. Statements are prepared and bound, never built
// from values; connections stay open across batches and are opened again after a
// failure. Errors name the URL (never its password), the table and what the database
// said; the batch fails and its transaction is rolled back.

#include <dstream/sql/sqlite.hpp>
#include <dstream/sql/upsert.hpp>
