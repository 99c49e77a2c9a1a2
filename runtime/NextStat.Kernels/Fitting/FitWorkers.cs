using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace NextStat.Kernels.Fitting;

/// <summary>
/// Runs a worker loop on several threads at once, for procedures that hand out their own fits (<see cref="FitBatch"/>,
/// a profile scan's chains): the calling thread is one worker, threads of a process-wide pool are the others.
/// </summary>
/// <remarks>
/// <para>
/// Unlike <c>Parallel.For</c>, the caller does not block as soon as its own loop ends: the other workers usually end
/// within one fit of it (tens of µs to milliseconds), and a blocked thread is woken ~25–90 µs late on a virtual machine,
/// whose core halts while it waits. That is 5–20 % of a two-thread job of a few hundred µs, paid on every call. The
/// caller spins up to <see cref="SpinBeforeBlocking"/> first, which costs at most twice the better of the two.
/// </para>
/// <para>
/// The same wake-up delay hits the start of every call whose other workers sleep. So a pool worker stays awake after
/// its run, spinning, for as long as that run took and at most <see cref="StayAwake"/>; a call made within that time
/// (the next job of a session: a scan after a fit, the next scan of a limit grid, the next batch of toys) starts on
/// both cores at once. The thread-pool workers <c>Parallel.For</c> would use also stay awake after work, but for a
/// fixed ~0.2–0.5 ms here, and are woken 40–100 µs late after that (a pool thread here: 15–70 µs). The spinning is
/// bounded per call: a worker never spins longer than it just worked, so an idle process burns nothing, and a process
/// that calls now and then spends at most as much CPU time spinning as its pool workers spent working, and at most
/// <see cref="StayAwake"/> per call and worker.
/// </para>
/// <para>
/// Pool threads are background threads created when a call needs more than are free (the most concurrent calls
/// ever made decide how many exist); one that has slept for <see cref="RetireAfter"/> without work ends.
/// </para>
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
    /// The longest a pool worker spins after a run, waiting for the next call, before it sleeps (it spins no longer
    /// than the run took). Long enough to bridge the set-up between the jobs of one session, short enough that
    /// spinning never costs more than a millisecond of a core per call.
    /// </summary>
    public static TimeSpan StayAwake { get; } = TimeSpan.FromMilliseconds(1);

    /// <summary>How long a sleeping pool thread waits for work before it ends.</summary>
    public static TimeSpan RetireAfter { get; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Runs <paramref name="work"/> on the calling thread and on <paramref name="workers"/> − 1 pool threads, and returns
    /// when every run has returned. The pool threads run in the caller's execution context (its culture formats the
    /// fits' messages on every thread alike). The first exception thrown by a run is rethrown after all have ended.
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

        var join = new Join(workers - 1, work, ExecutionContext.Capture());
        for (int i = 1; i < workers; i++)
        {
            PoolThread.Take().Hand(join);
        }

        join.RunCaller();
        join.Failure?.Throw();
    }

    /// <summary>
    /// Runs <paramref name="body"/> for every index 0 … <paramref name="count"/> − 1 once, through <see cref="Run"/> on
    /// at most <paramref name="workers"/> threads: each takes the next index not yet taken, so an index that costs more
    /// than the others holds up only its own thread.
    /// </summary>
    public static void For(int workers, int count, Action<int> body)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentNullException.ThrowIfNull(body);
        int next = -1;
        Run(Math.Max(1, Math.Min(workers, count)), () =>
        {
            for (int index; (index = Interlocked.Increment(ref next)) < count;)
            {
                body(index);
            }
        });
    }

    /// <summary>The number of pool threads alive now (busy, spinning or asleep).</summary>
    internal static int PoolThreads => PoolThread.Alive;

    private sealed class Join(int poolWorkers, Action work, ExecutionContext? context)
    {
        private readonly object _gate = new();
        private int _running = poolWorkers;
        private ExceptionDispatchInfo? _failure;

        public ExceptionDispatchInfo? Failure => _failure;

        /// <summary>Runs the work on a pool thread; <paramref name="done"/> runs before the caller can see this run end.</summary>
        public void RunPoolWorker(Action done)
        {
            try
            {
                if (context is null)
                {
                    work();
                }
                else
                {
                    ExecutionContext.Run(context, static w => ((Action)w!)(), work);
                }
            }
            catch (Exception exception)
            {
                Interlocked.CompareExchange(ref _failure, ExceptionDispatchInfo.Capture(exception), null);
            }
            finally
            {
                // The thread is free again before the caller returns: a call right after this one finds it (awake)
                // instead of starting another thread.
                done();
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

    /// <summary>A thread of the pool: runs one <see cref="Join"/> at a time, handed to it by a caller.</summary>
    private sealed class PoolThread
    {
        // Free threads, the most recently freed last: it is the one most likely still awake (and its caches warm).
        private static readonly List<PoolThread> Free = [];
        private static readonly Lock FreeGate = new();
        private static int _alive;

        // Guards sleeping: a caller that hands over a join pulses it after setting the join.
        private readonly object _sleep = new();
        private readonly Action _release;
        private Join? _handed;

        private PoolThread()
        {
            _release = Release;
            Interlocked.Increment(ref _alive);
            new Thread(Loop) { IsBackground = true, Name = "nextstat-fit-worker" }.Start();
        }

        public static int Alive => Volatile.Read(ref _alive);

        /// <summary>A free thread (taken out of the free list), or a new one.</summary>
        public static PoolThread Take()
        {
            lock (FreeGate)
            {
                if (Free.Count > 0)
                {
                    PoolThread thread = Free[^1];
                    Free.RemoveAt(Free.Count - 1);
                    return thread;
                }
            }

            return new PoolThread();
        }

        /// <summary>Gives <paramref name="join"/> to this thread (taken by <see cref="Take"/>), waking it if it sleeps.</summary>
        public void Hand(Join join)
        {
            Volatile.Write(ref _handed, join);
            lock (_sleep)
            {
                Monitor.Pulse(_sleep);
            }
        }

        private void Release()
        {
            lock (FreeGate)
            {
                Free.Add(this);
            }
        }

        private void Loop()
        {
            long lastRun = 0;
            while (true)
            {
                Join? join = AwaitJoin(TimeSpan.FromTicks(Math.Min(lastRun, StayAwake.Ticks)));
                if (join is null)
                {
                    Interlocked.Decrement(ref _alive);
                    return;
                }

                long start = Stopwatch.GetTimestamp();
                join.RunPoolWorker(_release);
                lastRun = Stopwatch.GetElapsedTime(start).Ticks;
            }
        }

        /// <summary>
        /// The next join handed to this thread: spins for <paramref name="spin"/>, then sleeps. Null when it slept for
        /// <see cref="RetireAfter"/> and left the free list, so no join can come any more.
        /// </summary>
        private Join? AwaitJoin(TimeSpan spin)
        {
            long start = Stopwatch.GetTimestamp();
            // Unlike the caller's wait (pause instructions only: it holds a job's core), this thread has no work: after
            // a few pauses it yields, so a thread the scheduler put on its core (on a loaded machine sometimes the
            // caller itself, once the other core runs another process) runs instead of waiting for it to stop spinning.
            var wait = default(SpinWait);
            while (Volatile.Read(ref _handed) is null && Stopwatch.GetElapsedTime(start) < spin)
            {
                wait.SpinOnce(sleep1Threshold: -1);
            }

            lock (_sleep)
            {
                while (Volatile.Read(ref _handed) is null)
                {
                    if (!Monitor.Wait(_sleep, RetireAfter) && Volatile.Read(ref _handed) is null)
                    {
                        lock (FreeGate)
                        {
                            // Still free: nobody can hand it a join once it is out of the list. Taken meanwhile: the
                            // join is on its way.
                            if (Free.Remove(this))
                            {
                                return null;
                            }
                        }
                    }
                }
            }

            Join join = _handed!;
            _handed = null;
            return join;
        }
    }
}
