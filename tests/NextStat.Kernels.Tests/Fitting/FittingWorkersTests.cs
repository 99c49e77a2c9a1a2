using System.Globalization;
using NextStat.Kernels.Fitting;
using Xunit;

namespace NextStat.Kernels.Tests.Fitting;

public class FittingWorkersTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void EveryWorkerRunsOnceAndTheCallerIsOneOfThem(int workers)
    {
        int caller = Environment.CurrentManagedThreadId;
        int runs = 0;
        int onCaller = 0;
        FitWorkers.Run(workers, () =>
        {
            Interlocked.Increment(ref runs);
            if (Environment.CurrentManagedThreadId == caller)
            {
                Interlocked.Increment(ref onCaller);
            }
        });
        Assert.Equal(workers, runs);
        Assert.Equal(1, onCaller);
    }

    [Theory]
    [InlineData(1, 10)]
    [InlineData(3, 10)]
    [InlineData(4, 2)]
    [InlineData(2, 0)]
    public void ForRunsEveryIndexOnce(int workers, int count)
    {
        int[] visits = new int[count];
        FitWorkers.For(workers, count, i => Interlocked.Increment(ref visits[i]));
        Assert.All(visits, v => Assert.Equal(1, v));
    }

    [Fact]
    public void WorkersRunAtTheSameTimeAndTheCallerWaitsForTheSlowest()
    {
        // Each of the two runs waits for the other at the barrier: this only passes if they run concurrently.
        int caller = Environment.CurrentManagedThreadId;
        using var barrier = new Barrier(2);
        int met = 0;
        int finished = 0;
        FitWorkers.Run(2, () =>
        {
            if (barrier.SignalAndWait(TimeSpan.FromSeconds(30)))
            {
                Interlocked.Increment(ref met);
            }

            if (Environment.CurrentManagedThreadId != caller)
            {
                // The pool worker ends well after the caller's spinning: the caller blocks, and returns only after it.
                Thread.Sleep(50);
            }

            Interlocked.Increment(ref finished);
        });
        Assert.Equal(2, met);
        Assert.Equal(2, finished);
    }

    [Fact]
    public void TheFirstExceptionIsRethrownAfterEveryWorkerEnded()
    {
        int caller = Environment.CurrentManagedThreadId;
        int callerDone = 0;
        var failure = Assert.Throws<InvalidOperationException>(() => FitWorkers.Run(2, () =>
        {
            if (Environment.CurrentManagedThreadId != caller)
            {
                throw new InvalidOperationException("pool worker failed");
            }

            Thread.Sleep(20);
            Volatile.Write(ref callerDone, 1);
        }));
        Assert.Equal("pool worker failed", failure.Message);
        Assert.Equal(1, callerDone);
        Assert.Throws<ArgumentOutOfRangeException>(() => FitWorkers.Run(0, () => { }));
    }

    [Fact]
    public void PoolWorkersRunInTheCallersExecutionContext()
    {
        var flowing = new AsyncLocal<string>();
        CultureInfo before = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE");
            flowing.Value = "set by the caller";
            var seen = new System.Collections.Concurrent.ConcurrentBag<(string Culture, string? Value)>();
            for (int call = 0; call < 3; call++)
            {
                FitWorkers.Run(3, () => seen.Add((CultureInfo.CurrentCulture.Name, flowing.Value)));
            }

            Assert.Equal(9, seen.Count);
            Assert.All(seen, s => Assert.Equal(("de-DE", "set by the caller"), s));
        }
        finally
        {
            CultureInfo.CurrentCulture = before;
        }
    }

    [Fact]
    public void AWorkerMayRunWorkersOfItsOwn()
    {
        int runs = 0;
        FitWorkers.Run(2, () => FitWorkers.Run(2, () => Interlocked.Increment(ref runs)));
        Assert.Equal(4, runs);
    }
}

/// <summary>
/// The pool's threads are process-wide: tests that count them or watch which thread runs a call must not run next to
/// other tests that call <see cref="FitWorkers.Run"/>.
/// </summary>
[Collection(FitWorkerPoolCollection.Name)]
public class FittingWorkerPoolTests
{
    [Fact]
    public void CallsOneAfterAnotherReuseOnePoolThreadThatIsStillAwake()
    {
        int caller = Environment.CurrentManagedThreadId;
        var poolThreads = new HashSet<int>();
        FitWorkers.Run(2, () => { });
        int alive = FitWorkers.PoolThreads;
        for (int call = 0; call < 200; call++)
        {
            FitWorkers.Run(2, () =>
            {
                if (Environment.CurrentManagedThreadId != caller)
                {
                    lock (poolThreads)
                    {
                        poolThreads.Add(Environment.CurrentManagedThreadId);
                    }
                }
            });
        }

        // The worker is free again before the caller returns, so no call needs a second pool thread.
        Assert.Single(poolThreads);
        Assert.Equal(alive, FitWorkers.PoolThreads);
    }

    [Fact]
    public void ConcurrentCallsGetThreadsOfTheirOwnAndGiveThemBack()
    {
        FitWorkers.Run(2, () => { });
        int alive = FitWorkers.PoolThreads;
        using var barrier = new Barrier(6);
        int met = 0;

        // Two callers at once, three workers each: all six runs meet at the barrier, so four pool threads ran at once.
        Thread[] callers = [new(() => FitWorkers.Run(3, Meet)), new(() => FitWorkers.Run(3, Meet))];
        foreach (Thread thread in callers)
        {
            thread.Start();
        }

        foreach (Thread thread in callers)
        {
            thread.Join();
        }

        Assert.Equal(6, met);
        Assert.True(FitWorkers.PoolThreads >= 4, $"{FitWorkers.PoolThreads} pool threads");

        // Afterwards sequential calls take the freed threads instead of making new ones.
        int afterConcurrent = FitWorkers.PoolThreads;
        for (int call = 0; call < 20; call++)
        {
            FitWorkers.Run(3, () => { });
        }

        Assert.Equal(afterConcurrent, FitWorkers.PoolThreads);
        Assert.True(afterConcurrent >= alive);

        void Meet()
        {
            if (barrier.SignalAndWait(TimeSpan.FromSeconds(30)))
            {
                Interlocked.Increment(ref met);
            }
        }
    }
}

/// <summary>Runs the tests of <see cref="FitWorkers"/>' process-wide pool alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FitWorkerPoolCollection
{
    /// <summary>The collection name.</summary>
    public const string Name = "fit worker pool";
}
