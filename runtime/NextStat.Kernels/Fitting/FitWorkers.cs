using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace NextStat.Kernels.Fitting;

/// <summary>
/// Runs a worker loop on several threads at once, for procedures that hand out their own fits (<see cref="FitBatch"/>,
/// a profile scan's chains): the calling thread is one worker, thread-pool threads are the others.
/// </summary>
/// <remarks>
/// Unlike <c>Parallel.For</c>, the caller does not block as soon as its own loop ends: the other workers usually end
/// within one fit of it (tens of µs to milliseconds), and a blocked thread is woken ~25–90 µs late on a virtual machine,
/// whose core halts while it waits. That is 5–20 % of a two-thread job of a few hundred µs, paid on every call. The
/// caller spins up to <see cref="SpinBeforeBlocking"/> first, which costs at most twice the better of the two.
/// </remarks>
public static class FitWorkers
{
    /// <summary>
    /// How long a worker waiting for another worker's fit spins (pause instructions only) before it blocks: waking a
    /// blocked thread costs about as long as a short fit here, so spinning this long first costs at most twice the
    /// better of the two. Also for procedures whose workers wait on each other inside <see cref="Run"/>.
    /// </summary>
    public static TimeSpan SpinBeforeBlocking { get; } = TimeSpan.FromMicroseconds(100);

    /// <summary>
    /// Runs <paramref name="work"/> on the calling thread and on <paramref name="workers"/> − 1 thread-pool threads, and
    /// returns when every run has returned. The first exception thrown by a run is rethrown after all have ended.
    /// </summary>
    public static void Run(int workers, Action work)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        ArgumentNullException.ThrowIfNull(work);
        if (workers == 1)
        {
            work();
            return;
        }

        var join = new Join(workers - 1, work);
        for (int i = 1; i < workers; i++)
        {
            // QueueUserWorkItem (not the Unsafe variant) so the pool workers run in the caller's execution context: its
            // culture formats the fits' messages on every thread alike.
            ThreadPool.QueueUserWorkItem(static j => j.RunPoolWorker(), join, preferLocal: false);
        }

        join.RunCaller();
        join.Failure?.Throw();
    }

    private sealed class Join(int poolWorkers, Action work)
    {
        private readonly object _gate = new();
        private int _running = poolWorkers;
        private ExceptionDispatchInfo? _failure;

        public ExceptionDispatchInfo? Failure => _failure;

        public void RunPoolWorker()
        {
            try
            {
                work();
            }
            catch (Exception exception)
            {
                Interlocked.CompareExchange(ref _failure, ExceptionDispatchInfo.Capture(exception), null);
            }
            finally
            {
                if (Interlocked.Decrement(ref _running) == 0)
                {
                    lock (_gate)
                    {
                        Monitor.PulseAll(_gate);
                    }
                }
            }
        }

        public void RunCaller()
        {
            try
            {
                work();
            }
            catch (Exception exception)
            {
                Interlocked.CompareExchange(ref _failure, ExceptionDispatchInfo.Capture(exception), null);
            }

            // Pause instructions only: a yield would hand the core to another process, which on a loaded machine keeps
            // it for milliseconds.
            long start = Stopwatch.GetTimestamp();
            while (Volatile.Read(ref _running) > 0 && Stopwatch.GetElapsedTime(start) < SpinBeforeBlocking)
            {
                Thread.SpinWait(20);
            }

            lock (_gate)
            {
                while (Volatile.Read(ref _running) > 0)
                {
                    Monitor.Wait(_gate);
                }
            }
        }
    }
}
