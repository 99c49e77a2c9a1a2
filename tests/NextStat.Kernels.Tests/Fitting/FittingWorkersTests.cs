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
}
