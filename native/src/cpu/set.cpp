#include "cpu/set.hpp"

#include <memory>

#include "common/status.hpp"
#include "common/validate.hpp"

namespace gc::cpu {

int create_set(const gc_tensor* tensors, int64_t n, int64_t chunk_elems, gc_cpu_set** out) {
  if (out == nullptr) return fail(GC_E_INVALID, "out is NULL");
  if (const int rc = validate_tensors(tensors, n); rc != GC_OK) return rc;
  auto set = std::make_unique<gc_cpu_set>();
  if (const int rc = build_chunk_table(tensors, n, chunk_elems, &set->table); rc != GC_OK) return rc;
  set->tensors.assign(tensors, tensors + n);
  set->chunk_elems = chunk_elems == 0 ? kDefaultChunkElems : chunk_elems;
  for (const gc_tensor& t : set->tensors)
    set->elements = t.count > INT64_MAX - set->elements ? INT64_MAX : set->elements + t.count;
  set->partials.resize(set->table.chunks.size());
  set->tensor_sums.resize(static_cast<size_t>(n));
  set->coefs.resize(static_cast<size_t>(n));
  *out = set.release();
  return GC_OK;
}

}  // namespace gc::cpu
