using NextStat.Kernels.Fitting;
using NextStat.Kernels.Randomness;

namespace NextStat.HistFactory.Inference;

/// <summary>
/// Draws pseudo-experiments from a model at fixed parameters, as pyhf's <c>make_pdf(pars).sample()</c>: main data
/// Poisson around the expected counts; aux data Gaussian around θ with the constraint's width, or Poisson around γ·τ.
/// Toy i draws only from <see cref="ItemRandom.For(ulong, long)"/>(seed, i) (main bins in order, then aux data in
/// order), so a toy is the same whatever the thread count, the batch size or the shard that produces it.
/// </summary>
public sealed class ToyGenerator
{
    private readonly IInferenceModel _model;
    private readonly double[] _expectedMain;
    private readonly double[] _expectedAux;
    private readonly FitInput _fitInput;

    /// <summary>
    /// A generator at <paramref name="generatingParameters"/> (e.g. a best fit); toy fits start from the model's
    /// suggested start, scaled by <paramref name="startCovariance"/> when given (e.g. the best fit's covariance).
    /// </summary>
    public ToyGenerator(IInferenceModel model, ReadOnlySpan<double> generatingParameters, double[][]? startCovariance = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (generatingParameters.Length != model.ParameterNames.Count)
        {
            throw new ArgumentException($"{generatingParameters.Length} generating parameters for a model of {model.ParameterNames.Count}", nameof(generatingParameters));
        }

        _model = model;
        (_expectedMain, _expectedAux) = model.ExpectedData(generatingParameters);
        for (int i = 0; i < _expectedMain.Length; i++)
        {
            if (!(_expectedMain[i] >= 0) || !double.IsFinite(_expectedMain[i]))
            {
                throw new ArgumentException($"the expected count of bin {i} is {_expectedMain[i]} at the generating parameters: toys need finite non-negative means", nameof(generatingParameters));
            }
        }

        _fitInput = model.SuggestedInput() with { StartCovariance = startCovariance };
    }

    /// <summary>The model the toys come from.</summary>
    public IInferenceModel Model => _model;

    /// <summary>Fills <paramref name="main"/> and <paramref name="aux"/> with toy <paramref name="index"/> of run <paramref name="seed"/>.</summary>
    public void Sample(ulong seed, long index, Span<double> main, Span<double> aux)
    {
        if (main.Length != _expectedMain.Length || aux.Length != _expectedAux.Length)
        {
            throw new ArgumentException($"toy buffers of {main.Length} and {aux.Length} for a model of {_expectedMain.Length} bins and {_expectedAux.Length} aux data");
        }

        ItemRandom random = ItemRandom.For(seed, index);
        for (int i = 0; i < main.Length; i++)
        {
            main[i] = random.NextPoisson(_expectedMain[i]);
        }

        IReadOnlyList<AuxSampling> sampling = _model.AuxSampling;
        for (int i = 0; i < aux.Length; i++)
        {
            aux[i] = sampling[i].Distribution == AuxDistribution.Poisson
                ? random.NextPoisson(Math.Max(_expectedAux[i], 0.0))
                : random.NextNormal(_expectedAux[i], sampling[i].Sigma);
        }
    }

    /// <summary>Toy <paramref name="index"/> of run <paramref name="seed"/> as new arrays.</summary>
    public (double[] Main, double[] Aux) Sample(ulong seed, long index)
    {
        double[] main = new double[_expectedMain.Length];
        double[] aux = new double[_expectedAux.Length];
        Sample(seed, index, main, aux);
        return (main, aux);
    }

    /// <summary>The fit of toy <paramref name="index"/> from the suggested start (for <see cref="FitBatch"/> and batch runners).</summary>
    public FitTask CreateFitTask(ulong seed, long index) => CreateFitTask(seed, index, _fitInput);

    /// <summary>The fit of toy <paramref name="index"/> from <paramref name="input"/>.</summary>
    public FitTask CreateFitTask(ulong seed, long index, FitInput input)
    {
        (double[] main, double[] aux) = Sample(seed, index);
        return new FitTask(_model.CreateObjective(main, aux), input);
    }
}

/// <summary>Toy-based CLs for q̃_μ.</summary>
/// <param name="Mu">The tested POI value.</param>
/// <param name="Cls">Observed CLs = CLs+b / CLb.</param>
/// <param name="Clsb">Fraction of s+b toys with q̃_μ ≥ the observed one.</param>
/// <param name="Clb">Fraction of b-only toys with q̃_μ ≥ the observed one.</param>
/// <param name="ExpectedCls">Expected CLs at the b-only q̃_μ quantiles of −2σ … +2σ (pyhf's order).</param>
/// <param name="QMuTildeObserved">q̃_μ on the observed data.</param>
/// <param name="Toys">Toys per hypothesis.</param>
/// <param name="FailedToys">Toys whose fits did not converge (kept, as pyhf keeps them, except those whose fits threw or
/// fell into the unbounded region of negative expected counts: their q̃_μ is NaN and left out of the fractions).</param>
public sealed record ToyCls(double Mu, double Cls, double Clsb, double Clb, double[] ExpectedCls, double QMuTildeObserved, int Toys, int FailedToys);

/// <summary>Toy studies: many toy fits in parallel, and toy-based CLs.</summary>
public static class ToyStudy
{
    /// <summary>
    /// Fits toys <paramref name="firstIndex"/> … <paramref name="firstIndex"/> + <paramref name="count"/> − 1 of run
    /// <paramref name="seed"/> drawn at <paramref name="generatingParameters"/>; results in index order.
    /// </summary>
    public static FitResult[] Run(IInferenceModel model, ReadOnlySpan<double> generatingParameters, ulong seed, long firstIndex, int count, InferenceOptions? options = null, double[][]? startCovariance = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(firstIndex);
        options ??= InferenceOptions.Default;
        var generator = new ToyGenerator(model, generatingParameters, startCovariance);
        FitBatchOptions batch = options.Batch;
        return FitBatch.Run(count, i => generator.CreateFitTask(seed, firstIndex + i), batch, cancellationToken);
    }

    /// <summary>
    /// Toy CLs at <paramref name="mu"/> as pyhf's toy calculator: s+b toys drawn at the fit with the POI at μ to the
    /// data, b-only toys at the fit with the POI at 0 (toy indices <paramref name="toys"/> … 2·toys − 1 of the same
    /// seed), q̃_μ of each from a free and a fixed-μ fit.
    /// </summary>
    public static ToyCls Cls(IInferenceModel model, double mu, int toys, ulong seed, InferenceOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(toys, 1);
        options ??= InferenceOptions.Default;
        int poi = model.RequirePoi("toy CLs");
        MleResult mle = MaximumLikelihood.Fit(model, options);
        IObjective observed = model.ObservedObjective();
        FitOptions fitOptions = options.Fit with { ComputeUncertainties = false };
        var minimizer = new Minimizer(fitOptions);
        double[][]? covariance = mle.Fit.Covariance;
        FitResult atMu = minimizer.Minimize(observed, model.FixedPoiInput(mu, mle.Fit.Parameters) with { StartCovariance = covariance });
        FitResult atZero = minimizer.Minimize(observed, model.FixedPoiInput(0.0, mle.Fit.Parameters) with { StartCovariance = covariance });
        double qObserved = AsymptoticFormulas.QMuTilde(mu, mle.PoiValue, atMu.Value, mle.TwiceNll);

        var signal = new ToyGenerator(model, atMu.Parameters);
        var background = new ToyGenerator(model, atZero.Parameters);
        FitInput free = model.SuggestedInput() with { StartCovariance = covariance };
        FitInput fixedMu = model.FixedPoiInput(mu) with { StartCovariance = covariance };

        // Two fits per toy (free, then μ fixed) as consecutive tasks of one batch over both hypotheses.
        FitResult[] fits = FitBatch.Run(
            4 * toys,
            t =>
            {
                int toy = t / 2;
                bool isBackground = toy >= toys;
                ToyGenerator generator = isBackground ? background : signal;
                return generator.CreateFitTask(seed, toy, t % 2 == 0 ? free : fixedMu);
            },
            options.Batch with { Fit = fitOptions },
            cancellationToken);

        double[] q = new double[2 * toys];
        int failed = 0;
        for (int toy = 0; toy < 2 * toys; toy++)
        {
            FitResult freeFit = fits[2 * toy];
            FitResult fixedFit = fits[(2 * toy) + 1];
            failed += freeFit.Converged && fixedFit.Converged ? 0 : 1;
            q[toy] = !freeFit.HasMinimum || !fixedFit.HasMinimum
                ? double.NaN
                : AsymptoticFormulas.QMuTilde(mu, freeFit.Parameters[poi], fixedFit.Value, freeFit.Value);
        }

        double[] qSignal = q[..toys];
        double[] qBackground = q[toys..];
        double clsb = TailFraction(qSignal, qObserved);
        double clb = TailFraction(qBackground, qObserved);
        double[] sortedBackground = [.. qBackground.Where(double.IsFinite).Order()];
        double[] expected = new double[AsymptoticFormulas.ExpectedSigmas.Count];
        for (int k = 0; k < expected.Length; k++)
        {
            double t = Percentile(sortedBackground, NormalDistribution.Cdf(AsymptoticFormulas.ExpectedSigmas[k]));
            double b = TailFraction(qBackground, t);
            expected[k] = b > 0 ? TailFraction(qSignal, t) / b : double.NaN;
        }

        return new ToyCls(mu, clb > 0 ? clsb / clb : double.NaN, clsb, clb, expected, qObserved, toys, failed);
    }

    /// <summary>The fraction of finite values ≥ <paramref name="threshold"/>.</summary>
    private static double TailFraction(double[] values, double threshold)
    {
        int finite = 0;
        int above = 0;
        foreach (double v in values)
        {
            if (double.IsFinite(v))
            {
                finite++;
                above += v >= threshold ? 1 : 0;
            }
        }

        return finite == 0 ? double.NaN : (double)above / finite;
    }

    /// <summary>Linear-interpolation percentile of sorted values (numpy's default), <paramref name="fraction"/> in [0, 1].</summary>
    private static double Percentile(double[] sorted, double fraction)
    {
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        double position = fraction * (sorted.Length - 1);
        int lower = (int)Math.Floor(position);
        int upper = Math.Min(lower + 1, sorted.Length - 1);
        return sorted[lower] + ((position - lower) * (sorted[upper] - sorted[lower]));
    }
}
