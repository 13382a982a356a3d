// EXPECT: MLE
// ARGS: --memory-limit 131072 --time-limit 5
// Live objects until the heap is full: an OOM kill or V8's own heap limit, a memory verdict either way.
const keep = [];
for (;;) keep.push(new Array(1 << 16).fill(keep.length));
