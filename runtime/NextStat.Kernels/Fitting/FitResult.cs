namespace NextStat.Kernels.Fitting;

/// <summary>How a fit ended.</summary>
public enum FitStatus
{
    /// <summary>EDM at or below the tolerance.</summary>
    Converged,

    /// <summary>The iteration limit was reached first.</summary>
    MaxIterations,

    /// <summary>The evaluation limit was reached first.</summary>
    MaxEvaluations,

    /// <summary>No step along the search direction lowered the objective (often a non-smooth or noisy objective).</summary>
    LineSearchFailed,

    /// <summary>The objective or its gradient is NaN or infinite at the starting point.</summary>
    NotFinite,

    /// <summary>The objective threw; <see cref="FitResult.Message"/> holds the exception message.</summary>
    Failed,

    /// <summary>
    /// The objective fell below its <see cref="IObjective.LowerBound"/>: the fit left the region where the model is
    /// valid (a likelihood with a negative expected count, unbounded below there) and has no minimum to report.
    /// </summary>
    Unbounded,
}

/// <summary>
/// The outcome of one fit: where it ended, why, and what it cost. Arrays are indexed like the objective's parameters;
/// fixed parameters have uncertainty 0 and zero correlation with everything else.
/// </summary>
public sealed record FitResult
{
    /// <summary>How the fit ended.</summary>
    public required FitStatus Status { get; init; }

    /// <summary>True when <see cref="Status"/> is <see cref="FitStatus.Converged"/>.</summary>
    public bool Converged => Status == FitStatus.Converged;

    /// <summary>
    /// False when the fit has no point to report: it threw (<see cref="FitStatus.Failed"/>), could not start
    /// (<see cref="FitStatus.NotFinite"/>) or left the model's valid region (<see cref="FitStatus.Unbounded"/>).
    /// A fit that merely stopped early (iteration or evaluation limit, line search) still reports its best point.
    /// </summary>
    public bool HasMinimum => Status is not (FitStatus.Failed or FitStatus.NotFinite or FitStatus.Unbounded);

    /// <summary>A human-readable reason, e.g. "EDM 3.1e-12 ≤ 1e-10" or an exception message.</summary>
    public required string Message { get; init; }

    /// <summary>The objective at <see cref="Parameters"/> (NaN when the fit failed before any evaluation).</summary>
    public required double Value { get; init; }

    /// <summary>The final parameter values (the initial values when the fit failed before moving).</summary>
    public required double[] Parameters { get; init; }

    /// <summary>Standard deviations from the Hessian; null when not computed, NaN entries when it is not positive definite.</summary>
    public double[]? Uncertainties { get; init; }

    /// <summary>The covariance matrix (row i, column j); null when not computed.</summary>
    public double[][]? Covariance { get; init; }

    /// <summary>The correlation matrix (row i, column j); null when not computed.</summary>
    public double[][]? Correlation { get; init; }

    /// <summary>The estimated distance to the minimum, ½ gᵀH⁻¹g, at the end.</summary>
    public required double Edm { get; init; }

    /// <summary>Quasi-Newton plus Newton iterations.</summary>
    public required int Iterations { get; init; }

    /// <summary>Objective evaluations (value with gradient), including those for finite-difference Hessians.</summary>
    public required int Evaluations { get; init; }

    /// <summary>Indices of the free parameters that end on a bound with the gradient pointing outwards.</summary>
    public required int[] AtBound { get; init; }

    /// <summary>A failed result for an exception thrown while setting up or running the fit.</summary>
    public static FitResult FromException(Exception exception, double[] parameters)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return new FitResult
        {
            Status = FitStatus.Failed,
            Message = $"{exception.GetType().Name}: {exception.Message}",
            Value = double.NaN,
            Parameters = parameters,
            Edm = double.NaN,
            Iterations = 0,
            Evaluations = 0,
            AtBound = [],
        };
    }
}
