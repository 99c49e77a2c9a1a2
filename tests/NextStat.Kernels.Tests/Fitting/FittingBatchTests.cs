using NextStat.Kernels.Fitting;
using Xunit;

namespace NextStat.Kernels.Tests.Fitting;

public class FittingBatchTests
{
    private static readonly double[] Signal = [3, 6, 1, 9, 4];
    private static readonly double[] Background = [10, 22, 6, 33, 15];

    /// <summary>Fit i: its own pseudo-data (so its own objective) and start point; index 5 is a broken task.</summary>
    private static FitTask Task(int i)
    {
        double[] counts = new double[Signal.Length];
        for (int b = 0; b < counts.Length; b++)
        {
            counts[b] = Math.Round(Background[b] + (Signal[b] * (i % 4) * 0.5) + ((i * 7 + b * 3) % 5) - 2);
        }

        var objective = FittingTestObjectives.PoissonWithConstraints(counts, Signal, Background, 0.1);
        double[] initial = [1.0 + (0.01 * i), 1, 1, 1, 1, 1];
        return new FitTask(objective, new FitInput(initial, [0.0, 0.5, 0.5, 0.5, 0.5, 0.5], [10.0, 2, 2, 2, 2, 2]));
    }

    [Fact]
    public void ResultsAreBitwiseTheSameForOneTwoAndThreeThreads()
    {
        FitResult[] one = FitBatch.Run(40, Task, new FitBatchOptions { MaxDegreeOfParallelism = 1 });
        FitResult[] two = FitBatch.Run(40, Task, new FitBatchOptions { MaxDegreeOfParallelism = 2 });
        FitResult[] three = FitBatch.Run(40, Task, new FitBatchOptions { MaxDegreeOfParallelism = 3 });
        for (int i = 0; i < 40; i++)
        {
            Assert.True(one[i].Converged, one[i].Message);
            Assert.Equal(one[i].Parameters, two[i].Parameters);
            Assert.Equal(one[i].Parameters, three[i].Parameters);
            Assert.Equal(one[i].Uncertainties, three[i].Uncertainties);
            Assert.Equal(one[i].Value, two[i].Value);
            Assert.Equal(one[i].Evaluations, three[i].Evaluations);
        }

        // Results are in input order: fit i equals fit i alone.
        FitTask task = Task(17);
        FitResult alone = new Minimizer().Minimize(task.Objective, task.Input);
        Assert.Equal(alone.Parameters, three[17].Parameters);
    }

    [Fact]
    public void AFailingFitIsRecordedAndTheOthersComplete()
    {
        var broken = new DelegateObjective(6, (x, g) => throw new InvalidOperationException("data set 9 is corrupt"));
        var progress = new List<FitBatchProgress>();
        FitResult[] results = FitBatch.Run(
            20,
            i => i == 5 ? throw new FormatException("cannot build fit 5") : i == 9 ? Task(9) with { Objective = broken } : Task(i),
            new FitBatchOptions { MaxDegreeOfParallelism = 2, Progress = new SynchronousProgress(progress) });
        Assert.Equal(FitStatus.Failed, results[5].Status);
        Assert.Contains("cannot build fit 5", results[5].Message);
        Assert.Equal(FitStatus.Failed, results[9].Status);
        Assert.Contains("data set 9 is corrupt", results[9].Message);
        Assert.Equal(18, results.Count(r => r.Converged));
        Assert.Equal(20, progress.Count);
        Assert.Equal(new FitBatchProgress(20, 20, 2), progress[^1]);
        Assert.Equal(Enumerable.Range(1, 20), progress.Select(p => p.Completed));
    }

    [Fact]
    public void CancellationStopsTheBatchAndKeepsWhatWasDelivered()
    {
        using var cancellation = new CancellationTokenSource();
        var delivered = new List<int>();
        Assert.Throws<OperationCanceledException>(() => FitBatch.Run(
            1000,
            Task,
            (i, _) =>
            {
                delivered.Add(i);
                if (delivered.Count == 5)
                {
                    cancellation.Cancel();
                }
            },
            new FitBatchOptions { MaxDegreeOfParallelism = 2 },
            cancellation.Token));
        Assert.InRange(delivered.Count, 5, 7);
    }

    [Fact]
    public void AnExceptionFromTheResultHandlerStopsTheBatchAndIsRethrown()
    {
        int calls = 0;
        var exception = Assert.Throws<IOException>(() => FitBatch.Run(
            200,
            Task,
            (i, _) =>
            {
                if (++calls == 3)
                {
                    throw new IOException("disk full");
                }
            },
            new FitBatchOptions { MaxDegreeOfParallelism = 2 }));
        Assert.Equal("disk full", exception.Message);
        Assert.Equal(3, calls);
    }

    [Fact]
    public void SharedObjectiveWithManyStartsConverges()
    {
        FitTask task = Task(3);
        FitInput[] inputs = Enumerable.Range(0, 12).Select(i => task.Input.WithInitial([0.1 * i, 1, 1, 1, 1, 1])).ToArray();
        FitResult[] results = FitBatch.Run(task.Objective, inputs, new FitBatchOptions { MaxDegreeOfParallelism = 2 });
        foreach (FitResult result in results)
        {
            Assert.True(result.Converged, result.Message);
            Assert.Equal(results[0].Parameters[0], result.Parameters[0], 1e-5);
        }
    }

    [Fact]
    public void AnEmptyBatchReturnsNothing()
    {
        Assert.Empty(FitBatch.Run(0, Task));
        Assert.Throws<ArgumentOutOfRangeException>(() => FitBatch.Run(-1, Task));
    }

    private sealed class SynchronousProgress(List<FitBatchProgress> sink) : IProgress<FitBatchProgress>
    {
        public void Report(FitBatchProgress value) => sink.Add(value);
    }
}
