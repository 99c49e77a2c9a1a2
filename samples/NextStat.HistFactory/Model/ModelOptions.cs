namespace NextStat.HistFactory;

/// <summary>Interpolation of a <c>normsys</c> factor between its α = −1, 0, +1 values.</summary>
public enum NormSysInterpolation
{
    /// <summary>pyhf code4 (default): exponential beyond |α| = 1, a sixth-order polynomial inside that matches
    /// value, first and second derivative at ±1.</summary>
    Code4 = 0,

    /// <summary>pyhf code1: piecewise exponential, hi^α for α &gt; 0 and lo^(−α) otherwise.</summary>
    Code1 = 1,
}

/// <summary>Interpolation of a <c>histosys</c> shift between its α = −1, 0, +1 templates.</summary>
public enum HistoSysInterpolation
{
    /// <summary>pyhf code4p (default): linear beyond |α| = 1, a polynomial inside that is smooth at ±1.</summary>
    Code4p = 0,

    /// <summary>pyhf code0: piecewise linear, (hi − nom)·α for α &gt; 0 and (nom − lo)·α otherwise.</summary>
    Code0 = 1,

    /// <summary>
    /// pyhf code2, exactly as pyhf 0.7.6 computes it: a·α² + b·α inside |α| ≤ 1 with a = (hi + lo)/2 − nom and
    /// b = (hi − lo)/2, and (b ± 2a)(α ∓ 1) beyond. Like pyhf, the extrapolation does not add the value at ±1,
    /// so the shift jumps at |α| = 1; it is offered for parity with pyhf, not recommended.
    /// </summary>
    Code2 = 2,
}

/// <summary>How a model interprets its modifiers. The defaults are pyhf's defaults.</summary>
public sealed record ModelOptions
{
    /// <summary>pyhf's defaults: normsys code4, histosys code4p.</summary>
    public static ModelOptions Default { get; } = new();

    /// <summary>The normsys interpolation; default <see cref="NormSysInterpolation.Code4"/>.</summary>
    public NormSysInterpolation NormSys { get; init; } = NormSysInterpolation.Code4;

    /// <summary>The histosys interpolation; default <see cref="HistoSysInterpolation.Code4p"/>.</summary>
    public HistoSysInterpolation HistoSys { get; init; } = HistoSysInterpolation.Code4p;

    /// <summary>
    /// Execution settings of the generated kernels (e.g. a forced vector width); default
    /// <see cref="NextStat.Kernels.KernelContext.SingleThreaded"/>: one evaluation is small, and fits parallelise
    /// across evaluators instead. Results are bitwise identical for every width and thread count.
    /// </summary>
    public NextStat.Kernels.KernelContext Kernels { get; init; } = NextStat.Kernels.KernelContext.SingleThreaded;
}
