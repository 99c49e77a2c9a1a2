using System.Diagnostics;
using System.Runtime.ExceptionServices;
using NextStat.Kernels.Fitting;

namespace NextStat.HistFactory.Inference;

/// <summary>One point of a profile-likelihood scan.</summary>
/// <param name="Mu">The POI value the fit held fixed.</param>
/// <param name="TwiceNll"><c>twice_nll</c> of the conditional fit.</param>
/// <param name="DeltaTwiceNll"><c>twice_nll</c>(μ) − <c>twice_nll</c>(μ̂): the profile likelihood ratio t_μ (not clipped).</param>
/// <param name="QMu">q_μ: t_μ clipped at 0, and 0 where μ̂ &gt; μ.</param>
/// <param name="QMuTilde">q̃_μ: as q_μ, with the fit at μ = 0 as reference where μ̂ &lt; 0.</param>
/// <param name="Converged">Whether the conditional fit converged.</param>
/// <param name="Parameters">The conditional fit's parameters.</param>
public sealed record ScanPoint(double Mu, double TwiceNll, double DeltaTwiceNll, double QMu, double QMuTilde, bool Converged, double[] Parameters);

/// <summary>A profile-likelihood scan of the POI.</summary>
/// <param name="Poi">The POI's name.</param>
/// <param name="Mle">The unconditional fit the differences refer to.</param>
/// <param name="Points">The scan points in the order requested.</param>
public sealed record ScanResult(string Poi, MleResult Mle, IReadOnlyList<ScanPoint> Points);

/// <summary>
/// Profile-likelihood scans: fixed-POI fits over a grid. The grid is cut into chains of consecutive points; each chain's
/// middle point starts from the model's suggested start (as pyhf starts every scan fit: on likelihoods with several
/// minima, a start from the unconditional best fit can stay in a basin that is not the conditional minimum), and every
/// other point from its neighbour towards that middle. The points form a fixed dependency forest (independent of the
/// thread count, so the results are too) that workers walk as points become ready: a chain's two arms run in
/// parallel, and no worker waits for a whole chain's turn.
/// </summary>
public static class ProfileScan
{
    /// <summary>The most points per chain (one cold start each): long enough to save iterations, short enough for parallelism.</summary>
    public const int ChainLength = 4;

    /// <summary><paramref name="points"/> equally spaced values from <paramref name="from"/> to <paramref name="to"/> inclusive.</summary>
    public static double[] Grid(double from, double to, int points)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(points, 1);
        if (!double.IsFinite(from) || !double.IsFinite(to))
        {
            throw new ArgumentException($"scan range [{from}, {to}] must be finite");
        }

        double[] grid = new double[points];
        for (int i = 0; i < points; i++)
        {
            grid[i] = points == 1 ? from : from + ((to - from) * i / (points - 1));
        }

        return grid;
    }

    /// <summary>Scans the POI over <paramref name="poiValues"/>.</summary>
    /// <exception cref="ArgumentException">A value lies outside the POI's bounds.</exception>
    public static ScanResult Run(IInferenceModel model, IReadOnlyList<double> poiValues, InferenceOptions? options = null, MleResult? mle = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(poiValues);
        options ??= InferenceOptions.Default;
        int poi = model.RequirePoi("a profile scan");
        string poiName = model.ParameterNames[poi];
        foreach (double mu in poiValues)
        {
            if (!(mu >= model.LowerBounds[poi] && mu <= model.UpperBounds[poi]))
            {
                throw new ArgumentException($"scan value {mu} of '{poiName}' lies outside its bounds [{model.LowerBounds[poi]}, {model.UpperBounds[poi]}]", nameof(poiValues));
            }
        }

        mle ??= MaximumLikelihood.Fit(model, options);
        ObservedFits.Cache cache = ObservedFits.Of(model);
        IObjective objective = cache.Observed;
        int count = poiValues.Count;
        double muHat = mle.PoiValue;
        // q̃ compares with the best fit among μ ≥ 0, which for μ̂ < 0 is the fit at μ = 0: one more independent fit,
        // run with the scan points rather than after them.
        int tasks = muHat < 0 ? count + 1 : count;
        var fits = new FitResult[tasks];
        var schedule = new ScanSchedule(count, tasks);
        FitOptions fitOptions = options.Fit with { ComputeUncertainties = false, HessianParallelism = 1 };
        int workers = options.WorkerCount(tasks);
        void Work()
        {
            Minimizer minimizer = cache.Rent(fitOptions);
            while (schedule.TryTake(cancellationToken, out int i))
            {
                try
                {
                    if (i == count)
                    {
                        fits[i] = minimizer.Minimize(objective, model.FixedPoiInput(0.0, mle.Fit.Parameters));
                    }
                    else
                    {
                        int from = schedule.StartsFrom(i);
                        double[]? start = from >= 0 && fits[from].Converged ? fits[from].Parameters : null;
                        fits[i] = minimizer.Minimize(objective, model.FixedPoiInput(poiValues[i], start) with { StartCovariance = mle.Fit.Covariance });
                    }
                }
                catch (Exception exception)
                {
                    // Not returned to the cache: a fit that threw may have left its scratch half written.
                    schedule.Fail(exception);
                    return;
                }

                schedule.Complete(i);
            }

            cache.Return(minimizer);
        }

        FitWorkers.Run(workers, Work);

        schedule.Failure?.Throw();
        cancellationToken.ThrowIfCancellationRequested();
        double reference = mle.TwiceNll;
        double referenceTilde = muHat < 0 ? fits[count].Value : reference;
        var points = new ScanPoint[count];
        for (int i = 0; i < count; i++)
        {
            double mu = poiValues[i];
            double twiceNll = fits[i].Value;
            double delta = twiceNll - reference;
            double q = muHat > mu ? 0.0 : Math.Max(delta, 0.0);
            double qTilde = muHat > mu ? 0.0 : Math.Max(twiceNll - referenceTilde, 0.0);
            points[i] = new ScanPoint(mu, twiceNll, delta, q, qTilde, fits[i].Converged, fits[i].Parameters);
        }

        return new ScanResult(poiName, mle, points);
    }

    /// <summary>
    /// Which fit starts from which, and the points ready to fit. Chains have equal lengths (±1 point) rather than full
    /// chains and a short rest; a chain's middle point starts cold and its arms grow outwards from it. Ready points are
    /// taken longest remaining path first (a point and the points that wait for it, one after the other), cold starts
    /// (the costly fits) before warm ones of the same path: the costly fits run early, and an arm's second point does
    /// not become ready only at the end of the run, where one worker would sit waiting for it.
    /// </summary>
    private sealed class ScanSchedule
    {
        // A monitor rather than a Lock: workers wait on it for a point to become ready.
        private readonly object _gate = new();
        private readonly int[] _startsFrom;
        private readonly PriorityQueue<int, (int Key, int Point)> _ready = new();
        private int _pending;
        private bool _stopped;

        // Changes whenever a point becomes ready or the scan stops: what a spinning worker watches.
        private int _version;

        public ScanSchedule(int points, int tasks)
        {
            _startsFrom = new int[tasks];
            _pending = tasks;
            int chains = (points + ChainLength - 1) / ChainLength;
            for (int chain = 0; chain < chains; chain++)
            {
                int first = ChainStart(chain, points, chains);
                int end = ChainStart(chain + 1, points, chains);
                int middle = first + ((end - first - 1) / 2);
                for (int i = first; i < end; i++)
                {
                    _startsFrom[i] = i < middle ? i + 1 : i - 1;
                }

                _startsFrom[middle] = -1;
            }

            for (int i = points; i < tasks; i++)
            {
                _startsFrom[i] = -1;
            }

            // Ranks follow the arms, so the whole forest is laid out first.
            for (int i = 0; i < tasks; i++)
            {
                if (_startsFrom[i] < 0)
                {
                    Enqueue(i);
                }
            }
        }

        public ExceptionDispatchInfo? Failure { get; private set; }

        /// <summary>The point whose result point <paramref name="i"/> starts from, or −1 for a cold start.</summary>
        public int StartsFrom(int i) => _startsFrom[i];

        /// <summary>Waits for a ready point; false when every point is done, or the scan failed or was cancelled.</summary>
        public bool TryTake(CancellationToken cancellationToken, out int point)
        {
            long spinStart = 0;
            while (true)
            {
                int seen;
                lock (_gate)
                {
                    if (_stopped || _pending == 0 || cancellationToken.IsCancellationRequested)
                    {
                        point = -1;
                        return false;
                    }

                    if (_ready.TryDequeue(out point, out _))
                    {
                        return true;
                    }

                    // Every remaining point waits for one that another worker is fitting: spin for a while, then block.
                    spinStart = spinStart == 0 ? Stopwatch.GetTimestamp() : spinStart;
                    if (Stopwatch.GetElapsedTime(spinStart) >= FitWorkers.SpinBeforeBlocking)
                    {
                        Monitor.Wait(_gate);
                        continue;
                    }

                    seen = _version;
                }

                // Pause instructions only: a yield would hand the core to another process, which on a loaded machine
                // keeps it for milliseconds.
                while (Volatile.Read(ref _version) == seen && Stopwatch.GetElapsedTime(spinStart) < FitWorkers.SpinBeforeBlocking)
                {
                    Thread.SpinWait(20);
                }
            }
        }

        /// <summary>Marks <paramref name="point"/> done (its result stored) and makes the points that start from it ready.</summary>
        public void Complete(int point)
        {
            lock (_gate)
            {
                _pending--;
                foreach (int next in (ReadOnlySpan<int>)[point - 1, point + 1])
                {
                    if (next >= 0 && next < _startsFrom.Length && _startsFrom[next] == point)
                    {
                        Enqueue(next);
                    }
                }

                _version++;
                Monitor.PulseAll(_gate);
            }
        }

        /// <summary>Stops the scan with <paramref name="exception"/>, which the caller rethrows.</summary>
        public void Fail(Exception exception)
        {
            lock (_gate)
            {
                Failure ??= ExceptionDispatchInfo.Capture(exception);
                _stopped = true;
                _version++;
                Monitor.PulseAll(_gate);
            }
        }

        /// <summary>Makes <paramref name="point"/> ready, ranked by its remaining path (cold starts first on a tie).</summary>
        private void Enqueue(int point)
        {
            int path = 1;
            for (int next = point - 1; next >= 0 && _startsFrom[next] == next + 1; next--)
            {
                path = Math.Max(path, point - next + 1);
            }

            for (int next = point + 1; next < _startsFrom.Length && _startsFrom[next] == next - 1; next++)
            {
                path = Math.Max(path, next - point + 1);
            }

            // Higher ranks first: the queue gives the least key; ties go to the lower point.
            int rank = (2 * path) + (_startsFrom[point] < 0 ? 1 : 0);
            _ready.Enqueue(point, (-rank, point));
        }
    }

    private static int ChainStart(int chain, int count, int chains) => (int)((long)count * chain / chains);
}
