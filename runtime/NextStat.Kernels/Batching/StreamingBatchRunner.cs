using NextStat.Kernels.Randomness;
using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using NextStat.Kernels.Sharding;

namespace NextStat.Kernels.Batching;

/// <summary>Computes one item of a batch on a worker thread.</summary>
/// <typeparam name="TScratch">Per-thread reusable state (evaluator, buffers), created once per worker.</typeparam>
/// <param name="globalIndex">The item's index in the whole run (not in the shard).</param>
/// <param name="itemSeed">The item's stream key, <see cref="ItemRandom.ItemKey"/>(run seed, global index): <see cref="ItemRandom.For"/>(run seed, global index) starts from it.</param>
/// <param name="scratch">This worker's scratch.</param>
public delegate BatchItemResult BatchItemFunction<in TScratch>(long globalIndex, ulong itemSeed, TScratch scratch);

/// <summary>Progress of a streaming batch: items of the shard written so far, of how many.</summary>
/// <param name="Written">Records in the file, resumed ones included.</param>
/// <param name="Count">Items of the shard.</param>
/// <param name="Resumed">Records that were already in the file when this run started.</param>
public readonly record struct BatchProgress(long Written, long Count, long Resumed);

/// <summary>What a streaming batch did.</summary>
/// <param name="Header">The header of the file.</param>
/// <param name="Resumed">Records already present (skipped).</param>
/// <param name="Ran">Items computed by this run.</param>
/// <param name="Failed">Of those, items that failed.</param>
/// <param name="NotConverged">Of those, items that did not converge.</param>
/// <param name="DiscardedTailBytes">Bytes of a torn last line removed before resuming.</param>
/// <param name="Elapsed">Wall time of this run.</param>
/// <param name="Completed">Whether the file now holds every item of the shard (false after cancellation).</param>
public sealed record BatchRunSummary(BatchHeader Header, long Resumed, long Ran, long Failed, long NotConverged, long DiscardedTailBytes, TimeSpan Elapsed, bool Completed);

/// <summary>
/// Runs the items of a shard on worker threads and streams one JSONL record per item to a file, in index order,
/// after a header line. At most <see cref="BatchConfig.ChunkSize"/> results are held at once, so memory does not
/// grow with the item count. Re-running on an existing file of the same run resumes it; the final file has the
/// same bytes as an uninterrupted run.
/// </summary>
/// <remarks>
/// Records carry no wall-clock time; the seconds each item took go to a sidecar <c>&lt;output&gt;.timing</c>
/// (lines <c>{"index":…,"seconds":…,"cpu_seconds":…,"process_cpu_seconds":…}</c>, appended, informational): the
/// item's wall time and, on Linux, the CPU time its worker thread spent from its previous item's end to this one's (the
/// item, its record, taking its index), which other processes on the node do not inflate as they do the wall time, and
/// the CPU time of the whole process when the record was written. Item seeds come from the header's seed and the
/// global index only, so output bytes do not depend on threads, chunk size, sharding or resumes. An item that throws
/// is recorded as failed and the batch goes on. A run that completes its shard writes a <see cref="ShardCompletion"/>
/// record beside the file (<c>&lt;output&gt;.done</c>), which lets merge copy the file without reading its records.
/// </remarks>
public static class StreamingBatchRunner
{
    /// <summary>The sidecar file that receives per-item timings for <paramref name="outputPath"/>.</summary>
    public static string TimingPath(string outputPath) => outputPath + ".timing";

    /// <summary>Runs (or resumes) the shard described by <paramref name="header"/> into <paramref name="outputPath"/>.</summary>
    /// <exception cref="BatchRunMismatchException">The file holds another run; it is not modified.</exception>
    /// <exception cref="BatchFormatException">The file is damaged beyond a torn last line; it is not modified.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; every finished record up to the first unfinished one
    /// is written and synced, so a rerun resumes from there.</exception>
    public static BatchRunSummary Run<TScratch>(
        string outputPath,
        BatchHeader header,
        Func<TScratch> createScratch,
        BatchItemFunction<TScratch> item,
        BatchConfig config,
        IProgress<BatchProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(outputPath);
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(createScratch);
        ArgumentNullException.ThrowIfNull(item);
        ArgumentNullException.ThrowIfNull(config);
        header.Validate("the requested run");

        var clock = Stopwatch.StartNew();
        byte[] headerLine = header.ToJsonLine();

        // FileShare.None takes an exclusive lock, so two processes never append to one file.
        using var file = new FileStream(outputPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1 << 16);
        (long resumed, long discarded) = PrepareForAppend(file, outputPath, header, headerLine);
        // The file changes from here on; a completion record is written again only once it holds the whole shard.
        ShardCompletion.Delete(outputPath);

        ShardRange range = header.Shard.Range;
        using var timing = new StreamWriter(new FileStream(TimingPath(outputPath), FileMode.Append, FileAccess.Write, FileShare.Read), new UTF8Encoding(false));
        var run = new Execution<TScratch>(header, createScratch, item, config, range.Start + resumed, range.End);
        (long ran, long failed, long notConverged, bool completed) = run.Execute(file, timing, progress, resumed, range.Count, cancellationToken);
        if (completed)
        {
            // Execute synced the file; the header is read back because a resumed file keeps the bytes of its own.
            ShardHead head = ShardCopier.ReadHead(file, outputPath)!;
            new ShardCompletion(head.Sha256, range.Start, range.End, range.Count, file.Length).Write(outputPath);
        }
        return new BatchRunSummary(header, resumed, ran, failed, notConverged, discarded, clock.Elapsed, completed);
    }

    /// <summary>Checks an existing file against the run, cuts a torn tail, or writes the header of a new file.</summary>
    private static (long Resumed, long Discarded) PrepareForAppend(FileStream file, string path, BatchHeader header, byte[] headerLine)
    {
        if (file.Length > 0)
        {
            BatchFileScan scan = BatchFile.Scan(file, path);
            if (scan.Header is null)
            {
                // Killed while writing the header: only a cut copy of our own header may be replaced.
                if (!headerLine.AsSpan().StartsWith(scan.HeaderPrefix))
                {
                    throw new BatchRunMismatchException($"{path} exists and is not an output of this run (its first line is not a batch header); it was left untouched");
                }
                file.SetLength(0);
            }
            else
            {
                var differences = new List<string>(header.DifferencesFrom(scan.Header));
                if (scan.Header.Shard != header.Shard)
                {
                    differences.Add($"shard: job {header.Shard.JobId}/{header.Shard.TotalJobs} {header.Shard.Range} vs job {scan.Header.Shard.JobId}/{scan.Header.Shard.TotalJobs} {scan.Header.Shard.Range}");
                }
                if (differences.Count > 0)
                {
                    throw new BatchRunMismatchException(
                        $"{path} holds another run, so it cannot be resumed and was left untouched; differences (this run vs file): " +
                        string.Join("; ", differences) + ". Use another output location or remove the file.");
                }
                file.SetLength(scan.ValidLength);
                file.Position = scan.ValidLength;
                return (scan.Records, scan.TornTailBytes);
            }
        }

        file.Write(headerLine);
        file.WriteByte((byte)'\n');
        file.Flush(flushToDisk: true);
        return (0, 0);
    }

    /// <summary>One execution: worker threads fill a ring of result slots; the calling thread writes them in order.</summary>
    private sealed class Execution<TScratch>(BatchHeader header, Func<TScratch> createScratch, BatchItemFunction<TScratch> item, BatchConfig config, long from, long end)
    {
        private readonly long _from = from;
        private readonly object _gate = new();
        private readonly Slot[] _slots = new Slot[config.ChunkSize];
        private long _next = from;          // next index a worker takes
        private long _writeCursor = from;   // next index the writer writes
        private long _completed;            // items whose results wait in their slots or were written
        private bool _writerWaits;
        private bool _workersWait;

        // Results the writer lets gather before it is woken. Waking it for each result put a context switch per item
        // onto the cores the workers run on (with as many workers as cores, the writer has no core of its own); in
        // batches it writes them back to back. The batch leaves room in the ring for every worker, so a full ring
        // always wakes the writer.
        private readonly long _writerBatch = Math.Clamp(config.ChunkSize - config.EffectiveThreads, 1, WriterBatch);
        private bool _stop;
        private Exception? _fatal;

        public (long Ran, long Failed, long NotConverged, bool Completed) Execute(
            FileStream file, StreamWriter timing, IProgress<BatchProgress>? progress, long resumed, long count, CancellationToken token)
        {
            int capacity = _slots.Length;
            var workers = new Thread[Math.Max(1, (int)Math.Min(config.EffectiveThreads, Math.Max(1, end - _from)))];
            for (int t = 0; t < workers.Length; t++)
            {
                workers[t] = new Thread(Work) { IsBackground = true, Name = $"nextstat-batch-{t}" };
                workers[t].Start();
            }

            long ran = 0, failed = 0, notConverged = 0;
            using (token.Register(Stop))
            {
                try
                {
                    for (long w = _from; w < end; w++)
                    {
                        Slot slot;
                        lock (_gate)
                        {
                            int at = (int)(w % capacity);
                            // Items below _next were taken and will finish; after a stop nothing beyond them will.
                            while (!_slots[at].Done && _fatal is null && !(_stop && w >= _next))
                            {
                                _writerWaits = true;
                                Monitor.Wait(_gate);
                                _writerWaits = false;
                            }
                            if (!_slots[at].Done)
                            {
                                break;
                            }
                            slot = _slots[at];
                            _slots[at] = default;
                            _writeCursor = w + 1;
                            if (_workersWait)
                            {
                                _workersWait = false;
                                Monitor.PulseAll(_gate);
                            }
                        }

                        file.Write(slot.Line.AsSpan(0, slot.Length));
                        file.WriteByte((byte)'\n');
                        ArrayPool<byte>.Shared.Return(slot.Line!);
                        timing.Write("{\"index\":");
                        timing.Write(w.ToString(CultureInfo.InvariantCulture));
                        timing.Write(",\"seconds\":");
                        timing.Write(slot.Seconds.ToString("R", CultureInfo.InvariantCulture));
                        if (!double.IsNaN(slot.CpuSeconds))
                        {
                            timing.Write(",\"cpu_seconds\":");
                            timing.Write(slot.CpuSeconds.ToString("R", CultureInfo.InvariantCulture));
                            // The whole process's CPU time so far (one more clock read per record, on this thread):
                            // with it, what a job costs beyond its items (start, model, JIT warm-up) is the process
                            // total less the items at the job's own steady rate, whatever speed this node runs at.
                            timing.Write(",\"process_cpu_seconds\":");
                            timing.Write(CpuClock.ProcessSeconds().ToString("R", CultureInfo.InvariantCulture));
                        }
                        timing.Write("}\n");

                        ran++;
                        failed += slot.Result!.Status == BatchItemStatus.Failed ? 1 : 0;
                        notConverged += slot.Result.Status == BatchItemStatus.NotConverged ? 1 : 0;
                        if ((w + 1 - _from) % capacity == 0)
                        {
                            Sync(file, timing);
                        }
                        progress?.Report(new BatchProgress(resumed + ran, count, resumed));
                    }
                }
                finally
                {
                    Stop();
                    foreach (Thread worker in workers)
                    {
                        worker.Join();
                    }
                    Sync(file, timing);
                }
            }

            if (_fatal is not null)
            {
                throw new InvalidOperationException($"the batch stopped after {resumed + ran} of {count} items: {_fatal.Message}", _fatal);
            }
            token.ThrowIfCancellationRequested();
            return (ran, failed, notConverged, _from + ran == end);
        }

        /// <summary>
        /// Whether the waiting writer should be woken: once <see cref="_writerBatch"/> results wait, every item has
        /// finished, or the run is stopping (it then writes what the running items leave). Called under the gate.
        /// </summary>
        private bool WriterHasWork() =>
            _completed - (_writeCursor - _from) >= _writerBatch || _completed == end - _from || _stop;

        private static void Sync(FileStream file, StreamWriter timing)
        {
            file.Flush(flushToDisk: true);
            timing.Flush();
        }

        private void Stop()
        {
            lock (_gate)
            {
                _stop = true;
                Monitor.PulseAll(_gate);
            }
        }

        // A worker that cannot go on stops the run; the writer rethrows the first such error after the workers end.
        private void Fail(Exception e)
        {
            lock (_gate)
            {
                _fatal ??= e;
                _stop = true;
                Monitor.PulseAll(_gate);
            }
        }

        private void Work()
        {
            TScratch scratch;
            try
            {
                scratch = createScratch();
            }
            catch (Exception e)
            {
                Fail(e);
                return;
            }

            int capacity = _slots.Length;
            int parameterCount = header.ParameterNames.Count;
            int poiIndex = header.PoiIndex;
            var watch = new Stopwatch();
            double cpuMark = CpuClock.ThreadSeconds();
            var record = new ArrayBufferWriter<byte>(4096);
            while (true)
            {
                long index;
                lock (_gate)
                {
                    // The ring bounds memory: an item may start only when its slot has been written out.
                    while (!_stop && _next < end && _next >= _writeCursor + capacity)
                    {
                        _workersWait = true;
                        Monitor.Wait(_gate);
                    }
                    if (_stop || _next >= end)
                    {
                        return;
                    }
                    index = _next++;
                }

                watch.Restart();
                BatchItemResult result;
                try
                {
                    result = item(index, ItemRandom.ItemKey(header.Seed, index), scratch)
                        ?? BatchItemResult.Failed("the item function returned no result");
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    // Failure isolation: one bad item is recorded and the batch goes on.
                    result = BatchItemResult.Failed($"{e.GetType().Name}: {e.Message}");
                }
                double seconds = watch.Elapsed.TotalSeconds;

                // The record is formatted here, in parallel, so that the one writer thread only copies bytes: with
                // sub-millisecond fits, formatting every record on the writer made it the bottleneck of the run.
                record.ResetWrittenCount();
                try
                {
                    BatchRecordFormat.Write(record, index, ItemRandom.ItemKey(header.Seed, index), result, poiIndex, parameterCount);
                }
                catch (Exception e)
                {
                    // A result that cannot be written is a defect of the item function, not of one item: stop the run
                    // (the writer reports it) instead of letting the exception end the process on this thread.
                    Fail(e);
                    return;
                }

                byte[] line = ArrayPool<byte>.Shared.Rent(record.WrittenCount);
                record.WrittenSpan.CopyTo(line);
                // One read of the thread's CPU clock per item (a system call, ~1 µs): the CPU time since the previous
                // read covers this item, its record and taking its index.
                double cpuNow = CpuClock.ThreadSeconds();
                double cpuSeconds = cpuNow - cpuMark;
                cpuMark = cpuNow;

                lock (_gate)
                {
                    _slots[(int)(index % capacity)] = new Slot(result, line, record.WrittenCount, seconds, cpuSeconds, true);
                    _completed++;
                    if (_writerWaits && WriterHasWork())
                    {
                        Monitor.PulseAll(_gate);
                    }
                }
            }
        }
    }

    /// <summary>The most results the writer lets gather before it is woken.</summary>
    private const int WriterBatch = 32;

    private readonly record struct Slot(BatchItemResult? Result, byte[]? Line, int Length, double Seconds, double CpuSeconds, bool Done);
}
