// The package query language (deb::Query) compiled to parameterised
// PostgreSQL conditions over our packages table, so that a query over a
// 60,000-package repo runs inside the database.
//
// Columns it assumes: name, version, architecture ("source" for source
// packages), source, package_type (text), provides (text[]: the names in
// the Provides field, without versions) and fields (jsonb: the control
// fields keyed by CanonicalFieldName(name), i.e. lower-cased, so that
// lookups are case-insensitive like deb::Paragraph::Get), and the SQL
// function debversion_cmp(a text, b text) (storage/migrations.cc), <0, 0
// or >0 with dpkg's ordering and NULL for text that is not a version.
// Every predicate on a field or package is wrapped in "IS TRUE", so SQL's
// NULL for an absent field behaves like deb::Query::Matches's false. Every
// value is passed as a parameter; nothing from the query is spliced into
// the SQL.
#ifndef DEBREPO_STORAGE_QUERY_SQL_H_
#define DEBREPO_STORAGE_QUERY_SQL_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "deb/query.h"

namespace debrepo::storage {

// SqlCondition is a WHERE-clause fragment with $1, $2, ... placeholders.
struct SqlCondition {
  std::string sql;
  std::vector<std::string> parameters;
};

// QueryToSql compiles `query` to a condition whose first placeholder is
// $<first_parameter>, so it can be combined with other conditions. It
// selects the packages whose stanza deb::Query::Matches.
SqlCondition QueryToSql(const deb::Query& query, int first_parameter = 1);

// CanonicalFieldName returns the key under which a control field is stored
// in the packages table's `fields` jsonb column and looked up by
// QueryToSql(): the name in ASCII lower case. Writers of that column must
// key fields with it.
std::string CanonicalFieldName(absl::string_view name);

}  // namespace debrepo::storage

#endif  // DEBREPO_STORAGE_QUERY_SQL_H_
