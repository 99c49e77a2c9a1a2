using NextStat.Kernels.Fitting;

namespace NextStat.HistFactory.Inference;

/// <summary>How an auxiliary datum fluctuates in pseudo-experiments.</summary>
public enum AuxDistribution
{
    /// <summary>Normal around its expected value with a fixed width (normsys, histosys, lumi, staterror).</summary>
    Gaussian,

    /// <summary>Poisson with its expected value as mean (shapesys: γ·τ).</summary>
    Poisson,
}

/// <summary>One auxiliary datum's distribution for toys.</summary>
/// <param name="Distribution">Gaussian or Poisson.</param>
/// <param name="Sigma">The Gaussian width (ignored for Poisson).</param>
public readonly record struct AuxSampling(AuxDistribution Distribution, double Sigma);

/// <summary>
/// What the inference procedures need from a binned likelihood with main (per-bin counts) and auxiliary (constraint)
/// data, as pyhf models it: parameters with inits, bounds and fixed flags, a POI, the observed data, an objective
/// (<c>twice_nll</c>) for any data set, and the expected data at any parameter point.
/// </summary>
public interface IInferenceModel
{
    /// <summary>Parameter names in the model's order.</summary>
    IReadOnlyList<string> ParameterNames { get; }

    /// <summary>The index of the parameter of interest, −1 when the model has none.</summary>
    int PoiIndex { get; }

    /// <summary>Initial values (the centres of the constraints for constrained parameters).</summary>
    IReadOnlyList<double> Inits { get; }

    /// <summary>Lower bounds.</summary>
    IReadOnlyList<double> LowerBounds { get; }

    /// <summary>Upper bounds.</summary>
    IReadOnlyList<double> UpperBounds { get; }

    /// <summary>Parameters held constant in every fit.</summary>
    IReadOnlyList<bool> Fixed { get; }

    /// <summary>Pre-fit widths (σ of the constraint), NaN for unconstrained parameters.</summary>
    IReadOnlyList<double> PrefitWidths { get; }

    /// <summary>Observed counts per bin.</summary>
    IReadOnlyList<double> ObservedMainData { get; }

    /// <summary>Observed auxiliary data.</summary>
    IReadOnlyList<double> ObservedAuxData { get; }

    /// <summary>How each auxiliary datum fluctuates in toys.</summary>
    IReadOnlyList<AuxSampling> AuxSampling { get; }

    /// <summary><c>twice_nll</c> of the model for the given data set.</summary>
    IObjective CreateObjective(ReadOnlySpan<double> mainData, ReadOnlySpan<double> auxData);

    /// <summary>Expected counts per bin at <paramref name="parameters"/>.</summary>
    void ExpectedMainData(ReadOnlySpan<double> parameters, Span<double> result);

    /// <summary>Expected auxiliary data at <paramref name="parameters"/> (θ for Gaussian constraints, γ·τ for Poisson ones).</summary>
    void ExpectedAuxData(ReadOnlySpan<double> parameters, Span<double> result);
}
