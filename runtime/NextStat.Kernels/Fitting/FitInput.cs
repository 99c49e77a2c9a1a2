namespace NextStat.Kernels.Fitting;

/// <summary>
/// Where a fit starts and what it may move: initial values, bounds and fixed flags, one entry per parameter of the
/// objective. Fixed parameters stay at their initial value (which may lie outside the bounds: bounds only constrain
/// what the minimizer moves). Validated on construction.
/// </summary>
public sealed record FitInput
{
    /// <summary>Checks and keeps the arrays (not copied: do not change them while a fit runs).</summary>
    /// <exception cref="ArgumentException">Lengths differ, a value is NaN, a lower bound exceeds its upper bound, or a
    /// free parameter starts outside its bounds; the message names the parameter index (and name when given).</exception>
    public FitInput(double[] initial, double[] lower, double[] upper, bool[]? @fixed = null, IReadOnlyList<string>? names = null)
    {
        ArgumentNullException.ThrowIfNull(initial);
        ArgumentNullException.ThrowIfNull(lower);
        ArgumentNullException.ThrowIfNull(upper);
        int n = initial.Length;
        @fixed ??= new bool[n];
        if (lower.Length != n || upper.Length != n || @fixed.Length != n || (names is not null && names.Count != n))
        {
            throw new ArgumentException(
                $"fit input lengths differ: {n} initial values, {lower.Length} lower bounds, {upper.Length} upper bounds, {@fixed.Length} fixed flags"
                + (names is null ? string.Empty : $", {names.Count} names"));
        }

        // The parameter's description is built only for a message: batches construct an input per fit.
        string What(int i) => names is null ? $"parameter {i}" : $"parameter {i} ('{names[i]}')";
        for (int i = 0; i < n; i++)
        {
            if (double.IsNaN(initial[i]) || double.IsInfinity(initial[i]))
            {
                throw new ArgumentException($"{What(i)}: initial value {initial[i]} is not finite", nameof(initial));
            }

            if (double.IsNaN(lower[i]) || double.IsNaN(upper[i]) || lower[i] > upper[i])
            {
                throw new ArgumentException($"{What(i)}: bounds [{lower[i]}, {upper[i]}] are not an interval", nameof(lower));
            }

            if (!@fixed[i] && (initial[i] < lower[i] || initial[i] > upper[i]))
            {
                throw new ArgumentException($"{What(i)}: initial value {initial[i]} lies outside its bounds [{lower[i]}, {upper[i]}]", nameof(initial));
            }
        }

        Initial = initial;
        Lower = lower;
        Upper = upper;
        Fixed = @fixed;
        Names = names;
    }

    /// <summary>Initial values (the values of fixed parameters throughout).</summary>
    public double[] Initial { get; }

    /// <summary>Lower bounds (−∞ for none).</summary>
    public double[] Lower { get; }

    /// <summary>Upper bounds (+∞ for none).</summary>
    public double[] Upper { get; }

    /// <summary>Which parameters stay at their initial value.</summary>
    public bool[] Fixed { get; }

    /// <summary>Optional parameter names, used in error messages.</summary>
    public IReadOnlyList<string>? Names { get; }

    /// <summary>The number of parameters.</summary>
    public int Dimension => Initial.Length;

    /// <summary>
    /// Optional covariance estimate (n×n, e.g. from the unconditional fit) that scales the first quasi-Newton steps of
    /// fits started near a known minimum (scan points, ranking and toy fits). Without it the minimizer spends one
    /// gradient per free parameter on a finite-difference Hessian at the start. It only changes how the minimum is
    /// reached, not where. A minimizer checks it once (positive definite over the free parameters) and trusts it
    /// again while the same array comes back with the same or fewer free parameters: do not change its contents.
    /// </summary>
    public double[][]? StartCovariance { get; init; }

    /// <summary>
    /// Optional variance estimates, one per parameter (e.g. the squared widths of constraint terms), for fits without
    /// a <see cref="StartCovariance"/>: a diagonal first inverse-Hessian approximation that costs nothing instead of
    /// the finite-difference Hessian at the start (one gradient per free parameter). Entries that are not finite and
    /// positive (an unconstrained parameter) are measured, one gradient each. For a likelihood started at the centres
    /// of its constraints this is often the better start as well: the Hessian there can be far stiffer than at the
    /// minimum. It only changes how the minimum is reached, not where.
    /// </summary>
    public double[]? StartVariances { get; init; }

    /// <summary>Unbounded, nothing fixed.</summary>
    public static FitInput Unbounded(double[] initial)
    {
        ArgumentNullException.ThrowIfNull(initial);
        double[] lower = new double[initial.Length];
        double[] upper = new double[initial.Length];
        Array.Fill(lower, double.NegativeInfinity);
        Array.Fill(upper, double.PositiveInfinity);
        return new FitInput(initial, lower, upper);
    }

    /// <summary>A copy starting from <paramref name="initial"/>, with the same bounds, fixed flags, names and start metric.</summary>
    public FitInput WithInitial(double[] initial) => new(initial, Lower, Upper, Fixed, Names) { StartCovariance = StartCovariance, StartVariances = StartVariances };

    /// <summary>
    /// A copy in which parameter <paramref name="index"/> is fixed at <paramref name="value"/> (other parameters start
    /// from <paramref name="initial"/>, or this input's initial values when null).
    /// </summary>
    public FitInput WithFixed(int index, double value, double[]? initial = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Dimension);
        double[] start = (double[])(initial ?? Initial).Clone();
        bool[] isFixed = (bool[])Fixed.Clone();
        start[index] = value;
        isFixed[index] = true;
        for (int i = 0; i < start.Length; i++)
        {
            // A warm start from another fit may sit a rounding step outside a bound; bring it in.
            if (!isFixed[i])
            {
                start[i] = Math.Clamp(start[i], Lower[i], Upper[i]);
            }
        }

        return new FitInput(start, Lower, Upper, isFixed, Names) { StartCovariance = StartCovariance, StartVariances = StartVariances };
    }
}
