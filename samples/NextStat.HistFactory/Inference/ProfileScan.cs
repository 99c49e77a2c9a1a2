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
/// Profile-likelihood scans: fixed-POI fits over a grid. The grid is cut into chains of consecutive points that run in
/// parallel; along a chain each fit starts from its neighbour's result, and each chain's first fit from the model's
/// suggested start (as pyhf starts every scan fit: on likelihoods with several minima, a start from the unconditional
/// best fit can stay in a basin that is not the conditional minimum). The chains do not depend on the thread count,
/// so neither do the results.
/// </summary>
public static class ProfileScan
{
    /// <summary>The most points per warm-started chain: long enough to save iterations, short enough for parallelism.</summary>
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
        IObjective objective = model.ObservedObjective();
        var fits = new FitResult[poiValues.Count];
        // Chains of equal length (±1 point) rather than full chains and a short rest: 21 points in 4,4,4,4,4,1 leave
        // one of two threads a third idle at the end; 3,4,3,4,3,4 share evenly with the same number of cold starts.
        int count = poiValues.Count;
        int chains = (count + ChainLength - 1) / ChainLength;
        Parallel.For(0, chains, new ParallelOptions { MaxDegreeOfParallelism = options.WorkerCount(chains), CancellationToken = cancellationToken }, chain =>
        {
            var minimizer = new Minimizer(options.Fit with { ComputeUncertainties = false, HessianParallelism = 1 });
            double[]? start = null;
            int end = ChainStart(chain + 1, count, chains);
            for (int i = ChainStart(chain, count, chains); i < end; i++)
            {
                fits[i] = minimizer.Minimize(objective, model.FixedPoiInput(poiValues[i], start) with { StartCovariance = mle.Fit.Covariance });
                start = fits[i].Converged ? fits[i].Parameters : null;
            }
        });

        double muHat = mle.PoiValue;
        double reference = mle.TwiceNll;
        double referenceTilde = reference;
        if (muHat < 0)
        {
            // q̃ compares with the best fit among μ ≥ 0, which for μ̂ < 0 is the fit at μ = 0.
            referenceTilde = new Minimizer(options.Fit with { ComputeUncertainties = false }).Minimize(objective, model.FixedPoiInput(0.0, mle.Fit.Parameters)).Value;
        }

        var points = new ScanPoint[fits.Length];
        for (int i = 0; i < fits.Length; i++)
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

    private static int ChainStart(int chain, int count, int chains) => (int)((long)count * chain / chains);
}
