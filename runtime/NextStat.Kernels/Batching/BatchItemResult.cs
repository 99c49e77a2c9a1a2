namespace NextStat.Kernels.Batching;

/// <summary>How one item of a batch ended.</summary>
public enum BatchItemStatus
{
    /// <summary>The fit converged.</summary>
    Converged,

    /// <summary>The fit stopped without meeting its convergence criterion; the values are where it stopped.</summary>
    NotConverged,

    /// <summary>The item threw; <see cref="BatchItemResult.Error"/> says why. The batch goes on.</summary>
    Failed,
}

/// <summary>
/// The outcome of one item (typically one toy fit): status, <c>twice_nll</c>, effort, and the parameter values and
/// uncertainties in the order of <see cref="BatchHeader.ParameterNames"/>. Wall-clock time is not part of it: timing
/// goes to a sidecar file so that result files are bitwise reproducible.
/// </summary>
public sealed record BatchItemResult
{
    /// <summary>How the item ended.</summary>
    public required BatchItemStatus Status { get; init; }

    /// <summary><c>twice_nll</c> at the returned values (NaN when failed).</summary>
    public double TwiceNll { get; init; } = double.NaN;

    /// <summary>Minimizer iterations.</summary>
    public int Iterations { get; init; }

    /// <summary>Objective evaluations.</summary>
    public int Evaluations { get; init; }

    /// <summary>Parameter values, or <see langword="null"/> when failed.</summary>
    public IReadOnlyList<double>? Values { get; init; }

    /// <summary>Parameter uncertainties where computed, else <see langword="null"/>.</summary>
    public IReadOnlyList<double>? Uncertainties { get; init; }

    /// <summary>Why the item failed, or why it did not converge.</summary>
    public string? Error { get; init; }

    /// <summary>A failed item with its reason.</summary>
    public static BatchItemResult Failed(string error) => new() { Status = BatchItemStatus.Failed, Error = error };
}
