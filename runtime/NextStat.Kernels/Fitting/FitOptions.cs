namespace NextStat.Kernels.Fitting;

/// <summary>Stopping rules and what a fit computes besides the minimum.</summary>
public sealed record FitOptions
{
    /// <summary>Defaults: EDM ≤ 1e-10 on the scale of <c>twice_nll</c>, uncertainties computed.</summary>
    public static FitOptions Default { get; } = new();

    /// <summary>
    /// Convergence: the estimated distance to the minimum, EDM = ½ gᵀH⁻¹g over the free parameters not held at a
    /// bound, with H the Hessian at the point (not the quasi-Newton approximation), must not exceed this. The default
    /// 1e-10 puts every parameter within about 1.4e-5 of its uncertainty from the minimum of a <c>twice_nll</c>
    /// (EDM ≈ ½ (Δx/σ)² with σ from Δ<c>twice_nll</c> = 1), tighter than MINUIT's 0.002·tolerance·up so that
    /// results equal tightly converged references; the final Newton steps make this cheap.
    /// </summary>
    public double EdmTolerance
    {
        get;
        init => field = value > 0 && double.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(nameof(EdmTolerance), value, "must be positive and finite");
    } = 1e-10;

    /// <summary>
    /// The quasi-Newton phase hands over to Newton steps with the finite-difference Hessian once its own EDM estimate
    /// is below this. About 5e-5 σ from the minimum, so that the Hessian computed there is also the Hessian at the
    /// minimum to the accuracy uncertainties need (near the minimum BFGS converges superlinearly: the last factor of
    /// 100 costs one or two gradients, a second Hessian would cost one per parameter).
    /// </summary>
    public double QuasiNewtonEdmTolerance
    {
        get;
        init => field = value > 0 && double.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(nameof(QuasiNewtonEdmTolerance), value, "must be positive and finite");
    } = 1e-9;

    /// <summary>The most quasi-Newton iterations before giving up.</summary>
    public int MaxIterations
    {
        get;
        init => field = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(MaxIterations), value, "must be positive");
    } = 2000;

    /// <summary>The most objective evaluations (value and gradient; Hessian columns count too) before giving up.</summary>
    public int MaxEvaluations
    {
        get;
        init => field = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(MaxEvaluations), value, "must be positive");
    } = 100_000;

    /// <summary>Compute uncertainties and correlations from the Hessian at the minimum.</summary>
    public bool ComputeUncertainties { get; init; } = true;

    /// <summary>
    /// With <see cref="ComputeUncertainties"/>, also report the covariance and correlation matrices (2·n² values per
    /// fit). Batches that keep only the uncertainties turn this off: thousands of toy fits per second would otherwise
    /// allocate matrices of tens of kilobytes each only to drop them.
    /// </summary>
    public bool CovarianceMatrices { get; init; } = true;

    /// <summary>
    /// The change of the objective that defines one standard deviation: 1 for <c>twice_nll</c> (the default), 0.5 for
    /// a negative log-likelihood, as MINUIT's <c>errordef</c>. Covariance = 2·ErrorDefinition·H⁻¹.
    /// </summary>
    public double ErrorDefinition
    {
        get;
        init => field = value > 0 && double.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(nameof(ErrorDefinition), value, "must be positive and finite");
    } = 1.0;

    /// <summary>
    /// Threads computing the finite-difference Hessian columns of one fit (each with its own evaluator); 1 keeps the
    /// fit on the calling thread, which is what batches of fits want. The result does not depend on it.
    /// </summary>
    public int HessianParallelism
    {
        get;
        init => field = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(HessianParallelism), value, "must be at least 1");
    } = 1;
}
