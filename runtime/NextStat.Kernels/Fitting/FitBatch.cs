using System.Runtime.ExceptionServices;

namespace NextStat.Kernels.Fitting;

/// <summary>One fit of a batch: the objective (shared, never copied) and where the fit starts.</summary>
public sealed record FitTask(IObjective Objective, FitInput Input);

/// <summary>Progress of a batch: fits done so far, of how many, and how many of those did not converge.</summary>
public readonly record struct FitBatchProgress(int Completed, int Total, int NotConverged);

/// <summary>How a batch runs.</summary>
public sealed record FitBatchOptions
{
    /// <summary>Worker threads; 0 (the default) means <see cref="Environment.ProcessorCount"/>.</summary>
    public int MaxDegreeOfParallelism
    {
        get;
        init => field = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(MaxDegreeOfParallelism), value, "must be 0 (all cores) or positive");
    }

    /// <summary>The options of every fit (its Hessian parallelism is ignored: the batch is parallel over fits).</summary>
    public FitOptions Fit { get; init; } = FitOptions.Default;

    /// <summary>Told after each fit; reports come one at a time, in completion order.</summary>
    public IProgress<FitBatchProgress>? Progress { get; init; }

    /// <summary>The worker count for <paramref name="count"/> fits.</summary>
    public int WorkersFor(int count) => Math.Max(1, Math.Min(count, MaxDegreeOfParallelism == 0 ? Environment.ProcessorCount : MaxDegreeOfParallelism));
}

/// <summary>
/// Many independent fits on all cores. Workers take the next fit from a shared counter (an idle worker takes the next
/// pending fit, so uneven fit times balance out), each with its own <see cref="Minimizer"/> and evaluator as scratch;
/// objectives are shared, not copied. A fit that throws or does not converge is recorded in its result and never stops
/// the batch. Every fit runs single-threaded from its own inputs only, so results are bitwise the same for any
/// thread count and schedule.
/// </summary>
public static class FitBatch
{
    /// <summary>Fits <paramref name="objective"/> from each of <paramref name="inputs"/>; results in input order.</summary>
    public static FitResult[] Run(IObjective objective, IReadOnlyList<FitInput> inputs, FitBatchOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(objective);
        ArgumentNullException.ThrowIfNull(inputs);
        return Run(inputs.Count, i => new FitTask(objective, inputs[i]), options, cancellationToken);
    }

    /// <summary>
    /// Runs <paramref name="count"/> fits, the i-th described by <paramref name="createTask"/>(i) (called on a worker
    /// thread when the fit starts, so per-fit data such as a toy data set lives only while it is fitted); results in
    /// index order.
    /// </summary>
    /// <exception cref="OperationCanceledException">Cancelled before all fits completed.</exception>
    public static FitResult[] Run(int count, Func<int, FitTask> createTask, FitBatchOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        FitResult[] results = new FitResult[count];
        Run(count, createTask, (i, result) => results[i] = result, options, cancellationToken);
        return results;
    }

    /// <summary>
    /// Runs <paramref name="count"/> fits and hands each result to <paramref name="onResult"/> as soon as it is done
    /// (in completion order, one call at a time, from worker threads), so a caller can stream results out with
    /// memory bounded by the fits in flight. An exception thrown by <paramref name="onResult"/> stops the batch and
    /// is rethrown.
    /// </summary>
    /// <exception cref="OperationCanceledException">Cancelled before all fits completed; results delivered so far stand.</exception>
    public static void Run(int count, Func<int, FitTask> createTask, Action<int, FitResult> onResult, FitBatchOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentNullException.ThrowIfNull(createTask);
        ArgumentNullException.ThrowIfNull(onResult);
        options ??= new FitBatchOptions();
        FitOptions fitOptions = options.Fit.HessianParallelism == 1 ? options.Fit : options.Fit with { HessianParallelism = 1 };
        int workers = options.WorkersFor(count);
        var state = new BatchState(count, createTask, onResult, options.Progress, fitOptions, cancellationToken);
        if (count == 0)
        {
            return;
        }

        FitWorkers.Run(workers, state.Work);
        state.CallbackFailure?.Throw();
        cancellationToken.ThrowIfCancellationRequested();
    }

    private sealed class BatchState(
        int count,
        Func<int, FitTask> createTask,
        Action<int, FitResult> onResult,
        IProgress<FitBatchProgress>? progress,
        FitOptions fitOptions,
        CancellationToken cancellationToken)
    {
        private readonly Lock _gate = new();
        private int _next = -1;
        private int _completed;
        private int _notConverged;
        private volatile bool _stop;

        public ExceptionDispatchInfo? CallbackFailure { get; private set; }

        public void Work()
        {
            var minimizer = new Minimizer(fitOptions);
            while (!_stop && !cancellationToken.IsCancellationRequested)
            {
                int index = Interlocked.Increment(ref _next);
                if (index >= count)
                {
                    return;
                }

                FitResult result;
                try
                {
                    FitTask task = createTask(index);
                    result = minimizer.Minimize(task.Objective, task.Input);
                }
                catch (Exception exception) when (exception is not OutOfMemoryException)
                {
                    result = FitResult.FromException(exception, []);
                }

                lock (_gate)
                {
                    if (_stop)
                    {
                        return;
                    }

                    try
                    {
                        onResult(index, result);
                    }
                    catch (Exception exception)
                    {
                        CallbackFailure = ExceptionDispatchInfo.Capture(exception);
                        _stop = true;
                        return;
                    }

                    _completed++;
                    if (!result.Converged)
                    {
                        _notConverged++;
                    }

                    progress?.Report(new FitBatchProgress(_completed, count, _notConverged));
                }
            }
        }
    }
}
