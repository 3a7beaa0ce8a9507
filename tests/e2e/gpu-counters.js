// Counts the WebGPU work a page or a worker asks of the browser, independent of the hardware:
// compute dispatches, queue submits, buffer maps, queue.writeBuffer calls and bytes, and the bytes
// read back (getMappedRange on MAP_READ buffers). The browser benchmark (bench.mjs) loads it as an
// init script in a page, and as the first script of the engine's worker: there the page's Worker
// is started on this file with `?src=<the worker's own script>`, which it loads once the GPU
// prototypes are wrapped; a message { gpuCounters: true } with a port is answered on that port
// with the counts so far (the engine never sees it).
//
// A classic script (no modules): trunk's worker loader uses importScripts.

(() => {
  const scope = globalThis;
  if (scope.__gpuCounters) return;
  const counts = {
    dispatches: 0,
    dispatches_indirect: 0,
    submits: 0,
    command_buffers: 0,
    maps: 0,
    maps_read: 0,
    writes: 0,
    write_bytes: 0,
    read_bytes: 0,
  };
  scope.__gpuCounters = counts;

  // Replaces proto[name] by a function that calls `before(this, ...args)` first.
  const wrap = (proto, name, before) => {
    const original = proto?.[name];
    if (typeof original !== "function") return;
    proto[name] = function (...args) {
      before(this, ...args);
      return original.apply(this, args);
    };
  };

  // queue.writeBuffer(buffer, offset, data, dataOffset, size): dataOffset and size count elements
  // for a typed array and bytes for an ArrayBuffer or a DataView.
  const writtenBytes = (data, dataOffset = 0, size) => {
    const element = ArrayBuffer.isView(data) && data.BYTES_PER_ELEMENT ? data.BYTES_PER_ELEMENT : 1;
    const length = ArrayBuffer.isView(data) && data.BYTES_PER_ELEMENT ? data.length : data.byteLength;
    return (size ?? length - dataOffset) * element;
  };

  if (scope.GPUComputePassEncoder) {
    const pass = scope.GPUComputePassEncoder.prototype;
    wrap(pass, "dispatchWorkgroups", () => counts.dispatches++);
    wrap(pass, "dispatchWorkgroupsIndirect", () => {
      counts.dispatches++;
      counts.dispatches_indirect++;
    });
    const queue = scope.GPUQueue.prototype;
    wrap(queue, "submit", (_, buffers) => {
      counts.submits++;
      counts.command_buffers += buffers?.length ?? 0;
    });
    wrap(queue, "writeBuffer", (_, buffer, offset, data, dataOffset, size) => {
      counts.writes++;
      counts.write_bytes += writtenBytes(data, dataOffset, size);
    });
    const buffer = scope.GPUBuffer.prototype;
    wrap(buffer, "mapAsync", (_, mode) => {
      counts.maps++;
      if (mode & scope.GPUMapMode.READ) counts.maps_read++;
    });
    const getMappedRange = buffer.getMappedRange;
    buffer.getMappedRange = function (...args) {
      const range = getMappedRange.apply(this, args);
      if (this.usage & scope.GPUBufferUsage.MAP_READ) counts.read_bytes += range.byteLength;
      return range;
    };
  }

  if (typeof scope.WorkerGlobalScope !== "undefined" && scope instanceof scope.WorkerGlobalScope) {
    scope.__gpuCountersAvailable = Boolean(scope.GPUComputePassEncoder);
    scope.addEventListener("message", (event) => {
      if (!event.data?.gpuCounters || !event.ports[0]) return;
      event.stopImmediatePropagation();
      event.ports[0].postMessage({ available: scope.__gpuCountersAvailable, ...counts });
    });
    const src = new URL(scope.location.href).searchParams.get("src");
    if (src) scope.importScripts(src);
  }
})();
