using NextStat.Kernels.Fitting;

namespace NextStat.HistFactory.Inference;

/// <summary>Upper limits on the POI at a confidence level, observed and expected band.</summary>
/// <param name="ConfidenceLevel">E.g. 0.95: the limit is where CLs = 1 − level.</param>
/// <param name="Observed">The observed limit.</param>
/// <param name="Expected">Expected limits at −2σ, −1σ, median, +1σ, +2σ.</param>
public sealed record UpperLimitResult(double ConfidenceLevel, double Observed, double[] Expected);

/// <summary>Discovery significance from q₀.</summary>
/// <param name="Q0">q₀ on the observed data.</param>
/// <param name="Z0">Observed significance √q₀.</param>
/// <param name="P0">Observed p-value Φ(−Z₀).</param>
/// <param name="Z0Expected">Median expected significance for μ = 1 (from the Asimov data set with μ = 1).</param>
/// <param name="P0Expected">Its p-value.</param>
public sealed record DiscoveryResult(double Q0, double Z0, double P0, double Z0Expected, double P0Expected);

/// <summary>
/// Asymptotic CLs with the q̃_μ test statistic, as pyhf's asymptotic calculator: the free fit to the data, the
/// background-only Asimov data set (expected main and aux data at the fit with μ = 0 to the data) and its free fit
/// are computed once; each tested μ then costs one conditional fit to the data and one to the Asimov data, both
/// started from the corresponding free fit. Thread-safe: upper limits root-find the observed curve and the five
/// expected curves in parallel.
/// </summary>
public sealed class AsymptoticCalculator
{
    private readonly IInferenceModel _model;
    private readonly InferenceOptions _options;
    private readonly FitOptions _fitOptions;
    private readonly IObjective _observed;
    private readonly IObjective _asimov;
    private readonly FitResult _asimovFree;
    private readonly FitResult _backgroundOnly;
    private readonly int _poi;

    /// <summary>Runs the fits every tested μ shares.</summary>
    /// <exception cref="InvalidOperationException">The model has no POI, or a preparatory fit failed.</exception>
    public AsymptoticCalculator(IInferenceModel model, InferenceOptions? options = null, MleResult? mle = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
        _options = options ?? InferenceOptions.Default;
        _poi = model.RequirePoi("an asymptotic CLs calculation");
        _fitOptions = _options.Fit with { ComputeUncertainties = false, HessianParallelism = 1 };
        _observed = model.ObservedObjective();
        Mle = mle ?? MaximumLikelihood.Fit(model, _options);
        Require(Mle.Fit, "the unconditional fit to the observed data");
        var minimizer = new Minimizer(_fitOptions);
        _backgroundOnly = minimizer.Minimize(_observed, WarmInput(0.0, Mle.Fit.Parameters));
        Require(_backgroundOnly, "the fit with the POI at 0 to the observed data (for the Asimov data set)");
        (double[] main, double[] aux) = model.ExpectedData(_backgroundOnly.Parameters);
        _asimov = model.CreateObjective(main, aux);
        _asimovFree = new Minimizer(_fitOptions).Minimize(_asimov, model.SuggestedInput().WithInitial(ClampedStart(_backgroundOnly.Parameters)) with { StartCovariance = Mle.Fit.Covariance });
        Require(_asimovFree, "the unconditional fit to the Asimov data set");
    }

    /// <summary>The unconditional fit to the observed data.</summary>
    public MleResult Mle { get; }

    /// <summary>CLs, CLs+b, CLb and the expected band at <paramref name="mu"/>.</summary>
    public AsymptoticCls Hypotest(double mu)
    {
        var minimizer = new Minimizer(_fitOptions);
        double q = QMuTilde(minimizer, _observed, Mle.Fit, mu);
        double qA = QMuTilde(minimizer, _asimov, _asimovFree, mu);
        return AsymptoticFormulas.QMuTildeCls(mu, q, qA);
    }

    /// <summary>
    /// Upper limits where CLs = 1 − <paramref name="confidenceLevel"/>, by Brent's method on each curve between the
    /// POI's lower bound (at least 0) and <paramref name="muMax"/> (the POI's upper bound by default). A curve that
    /// stays above 1 − level up to there gives NaN.
    /// </summary>
    public UpperLimitResult UpperLimit(double confidenceLevel = 0.95, double? muMax = null, double tolerance = 1e-6)
    {
        if (!(confidenceLevel > 0 && confidenceLevel < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(confidenceLevel), confidenceLevel, "must lie strictly between 0 and 1");
        }

        double alpha = 1 - confidenceLevel;
        double lo = Math.Max(_model.LowerBounds[_poi], 0.0);
        double hi = muMax ?? _model.UpperBounds[_poi];
        if (!(hi > lo) || !double.IsFinite(hi))
        {
            throw new ArgumentOutOfRangeException(nameof(muMax), hi, $"the limit search needs a finite upper end above {lo}");
        }

        // Curve 0 is observed; curves 1…5 the expected band, which needs only the Asimov fits.
        double[] limits = new double[1 + AsymptoticFormulas.ExpectedSigmas.Count];
        // Workers take curves in order, the observed one (two fits per step) first, on the fit workers' pool, whose
        // threads the best fit's Hessian rows usually have just woken.
        FitWorkers.For(_options.WorkerCount(limits.Length), limits.Length, curve =>
        {
            var minimizer = new Minimizer(_fitOptions);
            Func<double, double> cls = curve == 0
                ? mu => AsymptoticFormulas.QMuTildeCls(mu, QMuTilde(minimizer, _observed, Mle.Fit, mu), QMuTilde(minimizer, _asimov, _asimovFree, mu)).Cls - alpha
                : mu => AsymptoticFormulas.QMuTildeCls(mu, 0.0, QMuTilde(minimizer, _asimov, _asimovFree, mu)).ExpectedCls[curve - 1] - alpha;
            limits[curve] = cls(hi) > 0 ? double.NaN : RootFinding.Brent(cls, lo, hi, tolerance);
        });
        return new UpperLimitResult(confidenceLevel, limits[0], limits[1..]);
    }

    /// <summary>
    /// Discovery significance: q₀ from the fits with μ free and μ = 0 to the data; the expected one from the
    /// Asimov data set at the fit with μ = 1 to the data.
    /// </summary>
    public DiscoveryResult Discovery()
    {
        double q0 = AsymptoticFormulas.Q0(Mle.PoiValue, _backgroundOnly.Value, Mle.TwiceNll);
        var minimizer = new Minimizer(_fitOptions);
        FitResult signal = minimizer.Minimize(_observed, WarmInput(1.0, Mle.Fit.Parameters));
        Require(signal, "the fit with the POI at 1 to the observed data (for the discovery Asimov data set)");
        (double[] main, double[] aux) = _model.ExpectedData(signal.Parameters);
        IObjective asimov = _model.CreateObjective(main, aux);
        FitResult free = minimizer.Minimize(asimov, _model.SuggestedInput().WithInitial(ClampedStart(signal.Parameters)) with { StartCovariance = Mle.Fit.Covariance });
        FitResult atZero = minimizer.Minimize(asimov, WarmInput(0.0, free.Parameters));
        double q0A = AsymptoticFormulas.Q0(free.Parameters[_poi], atZero.Value, free.Value);
        (double z0, double p0) = AsymptoticFormulas.Discovery(q0);
        (double z0A, double p0A) = AsymptoticFormulas.Discovery(q0A);
        return new DiscoveryResult(q0, z0, p0, z0A, p0A);
    }

    private double QMuTilde(Minimizer minimizer, IObjective objective, FitResult free, double mu)
    {
        FitResult conditional = minimizer.Minimize(objective, WarmInput(mu, free.Parameters));
        return AsymptoticFormulas.QMuTilde(mu, free.Parameters[_poi], conditional.Value, free.Value);
    }

    /// <summary>The POI fixed at <paramref name="mu"/>, the rest from <paramref name="start"/>, scaled by the best fit's covariance.</summary>
    private FitInput WarmInput(double mu, double[] start) => _model.FixedPoiInput(mu, start) with { StartCovariance = Mle.Fit.Covariance };

    private double[] ClampedStart(double[] parameters)
    {
        double[] start = (double[])parameters.Clone();
        for (int i = 0; i < start.Length; i++)
        {
            start[i] = _model.Fixed[i] ? _model.Inits[i] : Math.Clamp(start[i], _model.LowerBounds[i], _model.UpperBounds[i]);
        }

        return start;
    }

    private static void Require(FitResult fit, string what)
    {
        if (!fit.HasMinimum)
        {
            throw new InvalidOperationException($"{what} failed: {fit.Message}");
        }
    }
}
