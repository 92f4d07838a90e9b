// RETURN_IF_ERROR / ASSIGN_OR_RETURN for absl::Status, which Abseil 20220623
// does not provide.
#ifndef NEWSMETA_SERVER_UTIL_STATUS_MACROS_H_
#define NEWSMETA_SERVER_UTIL_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define NEWSMETA_CONCAT_INNER_(a, b) a##b
#define NEWSMETA_CONCAT_(a, b) NEWSMETA_CONCAT_INNER_(a, b)

// Evaluates `expr` (an absl::Status) and returns it from the enclosing
// function when it is not OK.
#define RETURN_IF_ERROR(expr)                 \
  do {                                        \
    ::absl::Status newsmeta_status_ = (expr); \
    if (!newsmeta_status_.ok()) {             \
      return newsmeta_status_;                \
    }                                         \
  } while (false)

// Evaluates `rexpr` (an absl::StatusOr<T>); returns its status when it is not
// OK, otherwise moves its value into `lhs` (a declaration or an lvalue).
#define ASSIGN_OR_RETURN(lhs, rexpr)                                          \
  ASSIGN_OR_RETURN_IMPL_(NEWSMETA_CONCAT_(newsmeta_statusor_, __LINE__), lhs, \
                         rexpr)

#define ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                           \
  if (!statusor.ok()) {                              \
    return std::move(statusor).status();             \
  }                                                  \
  lhs = *std::move(statusor)

#endif  // NEWSMETA_SERVER_UTIL_STATUS_MACROS_H_
