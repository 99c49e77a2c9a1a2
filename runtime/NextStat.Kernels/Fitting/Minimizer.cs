using System.Globalization;

namespace NextStat.Kernels.Fitting;

/// <summary>
/// A bounded minimizer for smooth objectives with analytic gradients, built for likelihood fits of tens to a few
/// hundred parameters with very different scales and parameters that end on a bound (a signal strength at 0).
/// </summary>
/// <remarks>
/// <para>The method, in three phases:</para>
/// <list type="number">
/// <item>A first inverse-Hessian approximation, so that the first steps are already scaled correctly whatever the
/// parameters' units: for fits started near a known minimum the <see cref="FitInput.StartCovariance"/> of an earlier
/// fit, else the diagonal of <see cref="FitInput.StartVariances"/> (constraint widths; unknown entries measured, one
/// gradient each), which both cost nothing; else a forward-difference Hessian of the gradient at the start point,
/// inverted.</item>
/// <item>Projected BFGS with an active set (Bertsekas' projected quasi-Newton): a free parameter on a bound whose
/// gradient points outwards is held there; the search direction −B·g runs over the others, with B reduced to them
/// (the Schur complement B_FF − B_FH·B_HH⁻¹·B_HF, the inverse of the Hessian block of the parameters left free, not
/// merely B_FF); steps are projected onto the box and accepted by an Armijo test along the projection arc. Bounds
/// are honoured exactly and a parameter leaves a bound again as soon as the gradient pulls it inwards; nothing is
/// clamped after the fact.</item>
/// <item>Newton steps with a forward-difference Hessian of the analytic gradient (or the objective's own Hessian),
/// reduced to the parameters not held on a bound, until EDM = ½ gᵀH⁻¹g ≤ <see cref="FitOptions.EdmTolerance"/>.
/// The same Hessian, computed within ~1e-4 σ of the minimum, gives the covariance. Fits without uncertainties
/// (<see cref="FitOptions.ComputeUncertainties"/> false: scan points, impacts, toys) skip this phase when the BFGS
/// estimate of the EDM already meets the tolerance.</item>
/// </list>
/// <para>An instance owns all scratch memory and reuses it across fits of the same or smaller size: iterations
/// allocate nothing, and no iteration costs more than O(m²) besides its evaluation; the O(m³) factorisations run
/// only where a Hessian is computed. One instance serves one thread at a time.</para>
/// </remarks>
public sealed class Minimizer
{
    // A Newton step that is expected to move the point by more than ~1.4e-2 σ (EDM above this) makes the Hessian it
    // used stale for the next one.
    private const double StaleHessianEdm = 1e-4;

    // The covariance must come from a Hessian computed within ~1.4e-4 σ of the final point (EDM there below this):
    // on a likelihood with a flat direction the Hessian changes fast along it, and 1.4e-3 σ cost 2e-3 in an
    // uncertainty.
    private const double CovarianceHessianEdm = 1e-8;

    private const int MaxNewtonIterations = 50;

    /// <summary>Quasi-Newton iterations after which Newton steps take over: BFGS needs about m to learn the curvature.</summary>
    private static int NewtonHandover(int m) => Math.Max(100, 5 * m);
    private const int MaxBacktracks = 60;
    private const int MaxExtrapolations = 4;

    /// <summary>A step is extended while the directional derivative at its end is below this fraction of the start's.</summary>
    private const double ExtrapolationSlope = 0.5;
    private const double ArmijoFactor = 1e-4;

    /// <summary>
    /// Forward-difference steps of the analytic gradient, in units of the parameter's width (near √ε, as forward
    /// differences of an accurate gradient want): the truncation error is ~1e-7 relative and the gradient's rounding
    /// (~1e-16 of its largest terms) stays below ~1e-8 of the difference on the fixture likelihoods. Both are
    /// multiplied by the Hessian's condition number in the covariance and in the final EDM: likelihoods with a flat
    /// direction (two normalisations of one yield) reach 1e3, where steps of 1e-4 σ cost 1% in an uncertainty, and
    /// a 20-dimensional Rosenbrock valley 1e6.
    /// </summary>
    private const double RelativeHessianStep = 1e-7;

    private readonly FitOptions _options;

    private IObjectiveEvaluator _evaluator = null!;
    private IObjectiveEvaluator[] _hessianEvaluators = [];
    private IObjective? _cachedObjective;
    private double _lowerBound = double.NegativeInfinity;

    private int _n;
    private int _m;
    private int _evaluations;
    private int _iterations;
    private bool _inverseValid;
    private bool _hessianValid;

    // FactorMatrix holds the Cholesky factor of the Hessian block of the parameters not held, undamped, for the current
    // Hessian and active set (the last Newton direction's): the covariance reuses it.
    private bool _reducedFactorCurrent;

    private int[] _free = [];
    private int[] _inactive = [];
    private bool[] _active = [];
    private double[] _full = [];
    private double[] _fullGradient = [];
    private double[] _x = [];
    private double[] _g = [];
    private double[] _xTrial = [];
    private double[] _gTrial = [];
    private double[] _xExtra = [];
    private double[] _gExtra = [];
    private double[] _direction = [];
    private double[] _lower = [];
    private double[] _upper = [];
    private double[] _by = [];
    private double[] _s = [];
    private double[] _y = [];
    private bool[] _heldInMetric = [];
    private double[] _heldDiagonal = [];
    private double[] _compact = [];
    private double[] _inverse = [];
    // The Hessian, its factor and the inversion's triangle are allocated at their first use: most fits without
    // uncertainties (toys, scan points, impacts) converge by quasi-Newton steps alone and never need them, and at
    // m ≳ 100 each is a large-object-heap array whose allocation, zeroing and gen-2 collections a batch's workers
    // would otherwise pay per minimizer.
    private double[] _hessianScratch = [];
    private double[] _factorScratch = [];
    private double[] _triangleScratch = [];
    private double[] _fullHessian = [];
    private HessianWorker[] _workers = [];

    // Scratch of the positive-definiteness check of a start covariance (see CheckedCovariances).
    private int[] _checkIndex = [];
    private double[] _checkFactor = [];

    /// <summary>A minimizer with the given options (<see cref="FitOptions.Default"/> when null).</summary>
    public Minimizer(FitOptions? options = null)
    {
        _options = options ?? FitOptions.Default;
    }

    /// <summary>The options this minimizer runs with.</summary>
    public FitOptions Options => _options;

    /// <summary>
    /// Minimises <paramref name="objective"/> from <paramref name="input"/>. Evaluators are created once per objective
    /// and kept while the same objective is passed again.
    /// </summary>
    public FitResult Minimize(IObjective objective, FitInput input)
    {
        ArgumentNullException.ThrowIfNull(objective);
        if (!ReferenceEquals(objective, _cachedObjective))
        {
            // Evaluators this minimizer created for an earlier objective hand their scratch on (a caller's evaluator,
            // from the other overload, is never taken over).
            IObjectiveEvaluator[] previous = _cachedObjective is null ? [] : _hessianEvaluators;
            _cachedObjective = null;
            var evaluators = new IObjectiveEvaluator[_options.HessianParallelism];
            for (int i = 0; i < evaluators.Length; i++)
            {
                evaluators[i] = i < previous.Length ? objective.CreateEvaluator(previous[i]) : objective.CreateEvaluator();
            }

            _hessianEvaluators = evaluators;
            _evaluator = evaluators[0];
            _cachedObjective = objective;
        }

        _lowerBound = objective.LowerBound;

        if (objective.Dimension != input.Dimension)
        {
            throw new ArgumentException($"the objective has {objective.Dimension} parameters but the fit input {input.Dimension}", nameof(input));
        }

        return Run(input);
    }

    /// <summary>
    /// Minimises through <paramref name="evaluator"/> from <paramref name="input"/>, on the calling thread only
    /// (<see cref="FitOptions.HessianParallelism"/> needs <see cref="Minimize(IObjective, FitInput)"/>).
    /// </summary>
    public FitResult Minimize(IObjectiveEvaluator evaluator, FitInput input)
    {
        ArgumentNullException.ThrowIfNull(evaluator);
        _cachedObjective = null;
        _lowerBound = double.NegativeInfinity;
        _evaluator = evaluator;
        _hessianEvaluators = [evaluator];
        return Run(input);
    }

    private FitResult Run(FitInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        Prepare(input);
        try
        {
            return RunPhases(input);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // A model that throws for some parameter values fails this fit only; the caller decides what to do.
            // The fit never writes to the input, so its initial values are still the start.
            return FitResult.FromException(exception, (double[])input.Initial.Clone());
        }
    }

    private FitResult RunPhases(FitInput input)
    {
        if (_m == 0)
        {
            double value = _evaluator.ValueAndGradient(_full, _fullGradient);
            _evaluations = 1;
            return Result(input, FitStatus.Converged, "no free parameters", value, 0.0, withCovariance: false);
        }

        double f = Evaluate(_x, _g);
        if (double.IsPositiveInfinity(f))
        {
            return Result(input, FitStatus.NotFinite, "the objective or its gradient is not finite at the initial point", double.NaN, double.NaN, withCovariance: false);
        }

        if (f < _lowerBound)
        {
            return Result(input, FitStatus.Unbounded, BelowLowerBound(f, "at the initial point"), f, double.NaN, withCovariance: false);
        }

        if (!SetInverseFromCovariance(input.StartCovariance) && !SetInverseFromVariances(input.StartVariances))
        {
            ComputeHessian();
            SetInverseFromHessian();
        }

        // Without uncertainties to report, the quasi-Newton EDM estimate decides convergence on its own and the
        // Newton phase (a Hessian of one gradient per parameter) only runs when BFGS stalls.
        double quasiNewtonTarget = _options.ComputeUncertainties ? _options.QuasiNewtonEdmTolerance : _options.EdmTolerance;
        FitStatus? stop = null;
        string message = string.Empty;
        bool resetDone = false;
        while (true)
        {
            if (_iterations >= _options.MaxIterations)
            {
                stop = FitStatus.MaxIterations;
                message = $"iteration limit {_options.MaxIterations} reached";
                break;
            }

            if (_evaluations >= _options.MaxEvaluations)
            {
                stop = FitStatus.MaxEvaluations;
                message = $"evaluation limit {_options.MaxEvaluations} reached";
                break;
            }

            UpdateActiveSet();
            double edm = QuasiNewtonDirection();
            if (edm <= quasiNewtonTarget && !_options.ComputeUncertainties)
            {
                stop = FitStatus.Converged;
                message = $"EDM {Format(edm)} ≤ {Format(_options.EdmTolerance)} (quasi-Newton estimate)";
                break;
            }

            if (edm <= quasiNewtonTarget || _iterations >= NewtonHandover(_m))
            {
                // Converged as far as BFGS goes, or creeping (a curved valley along a bound): Newton steps with the
                // true Hessian finish either.
                break;
            }

            if (!LineSearch(f, out double fNew, extrapolate: true))
            {
                if (resetDone)
                {
                    // Newton steps with the true Hessian may still get there; they decide the status.
                    break;
                }

                // A stale BFGS approximation is the usual cause: start again from the Hessian here.
                ComputeHessian();
                SetInverseFromHessian();
                resetDone = true;
                continue;
            }

            _iterations++;
            UpdateInverse();
            f = fNew;
            Swap(ref _x, ref _xTrial);
            Swap(ref _g, ref _gTrial);
            if (f < _lowerBound)
            {
                return Result(input, FitStatus.Unbounded, BelowLowerBound(f, $"after {_iterations} iterations"), f, double.NaN, withCovariance: false);
            }
        }

        double finalEdm = double.NaN;
        if (stop is null)
        {
            (stop, message, f, finalEdm) = NewtonPolish(f);
        }
        else
        {
            UpdateActiveSet();
            finalEdm = QuasiNewtonDirection();
            if (_options.ComputeUncertainties && stop != FitStatus.Converged)
            {
                // The stored Hessian is the start point's; report uncertainties where the fit stopped.
                ComputeHessian();
            }
        }

        return Result(input, stop.Value, message, f, finalEdm, withCovariance: _options.ComputeUncertainties && stop != FitStatus.Unbounded);
    }

    private string BelowLowerBound(double f, string where) =>
        $"the objective fell to {Format(f)} {where}, below its least value where the model is valid ({Format(_lowerBound)}): " +
        "the fit left the model's valid region (a likelihood: some expected count negative), where it has no minimum";

    private (FitStatus Status, string Message, double Value, double Edm) NewtonPolish(double f)
    {
        ComputeHessian();
        double edmAtHessianPoint = double.NaN;
        bool hessianFresh = true;
        for (int k = 0; ; k++)
        {
            UpdateActiveSet();
            double edm = NewtonDirection(out bool positiveDefinite);
            if (hessianFresh)
            {
                edmAtHessianPoint = edm;
                hessianFresh = false;
            }

            // Converged, but at least one Newton step with the new Hessian first: it costs one gradient and takes the
            // point from the quasi-Newton tolerance to far below the EDM tolerance (the smallest curvatures need it).
            if (edm <= _options.EdmTolerance && positiveDefinite && (k > 0 || edm == 0))
            {
                if (edmAtHessianPoint > CovarianceHessianEdm && _options.ComputeUncertainties)
                {
                    // The Hessian was computed far from here: recompute it where the covariance is reported.
                    ComputeHessian();
                    UpdateActiveSet();
                    edm = NewtonDirection(out _);
                }

                return (FitStatus.Converged, $"EDM {Format(edm)} ≤ {Format(_options.EdmTolerance)}", f, edm);
            }

            if (k >= MaxNewtonIterations || _iterations >= _options.MaxIterations)
            {
                return (FitStatus.MaxIterations, $"iteration limit reached with EDM {Format(edm)}", f, edm);
            }

            if (_evaluations >= _options.MaxEvaluations)
            {
                return (FitStatus.MaxEvaluations, $"evaluation limit {_options.MaxEvaluations} reached with EDM {Format(edm)}", f, edm);
            }

            if (!LineSearch(f, out double fNew))
            {
                // Near the minimum the predicted decrease can fall below the objective's rounding noise: the point
                // is then as good as the objective can tell.
                if (edm <= 1e3 * _options.EdmTolerance && positiveDefinite)
                {
                    return (FitStatus.Converged, $"EDM {Format(edm)}: no further decrease at the objective's rounding level", f, edm);
                }

                return (FitStatus.LineSearchFailed, $"no decrease along the Newton direction (EDM {Format(edm)})", f, edm);
            }

            _iterations++;
            f = fNew;
            Swap(ref _x, ref _xTrial);
            Swap(ref _g, ref _gTrial);
            if (f < _lowerBound)
            {
                return (FitStatus.Unbounded, BelowLowerBound(f, $"after {_iterations} iterations"), f, double.NaN);
            }

            if (edm > StaleHessianEdm || !positiveDefinite)
            {
                ComputeHessian();
                hessianFresh = true;
            }
        }
    }

    private void Prepare(FitInput input)
    {
        int n = input.Dimension;
        int m = 0;
        for (int i = 0; i < n; i++)
        {
            if (!input.Fixed[i])
            {
                m++;
            }
        }

        EnsureCapacity(n, m);
        _n = n;
        _m = m;
        _evaluations = 0;
        _iterations = 0;
        _inverseValid = false;
        _hessianValid = false;
        _reducedFactorCurrent = false;
        _heldInMetric.AsSpan(0, m).Clear();
        input.Initial.CopyTo(_full, 0);
        int j = 0;
        for (int i = 0; i < n; i++)
        {
            if (!input.Fixed[i])
            {
                _free[j] = i;
                _x[j] = input.Initial[i];
                _lower[j] = input.Lower[i];
                _upper[j] = input.Upper[i];
                j++;
            }
        }
    }

    private double[] HessianMatrix => SecondOrderScratch(ref _hessianScratch);

    private double[] FactorMatrix => SecondOrderScratch(ref _factorScratch);

    private double[] TriangleMatrix => SecondOrderScratch(ref _triangleScratch);

    /// <summary>An m × m scratch matrix for the current capacity, allocated at its first use.</summary>
    private double[] SecondOrderScratch(ref double[] matrix)
    {
        int capacity = _x.Length * _x.Length;
        if (matrix.Length != capacity)
        {
            matrix = new double[capacity];
        }

        return matrix;
    }

    private void EnsureCapacity(int n, int m)
    {
        if (_full.Length < n)
        {
            _full = new double[n];
            _fullGradient = new double[n];
        }

        if (_x.Length < m)
        {
            _free = new int[m];
            _inactive = new int[m];
            _active = new bool[m];
            _x = new double[m];
            _g = new double[m];
            _xTrial = new double[m];
            _gTrial = new double[m];
            _xExtra = new double[m];
            _gExtra = new double[m];
            _direction = new double[m];
            _lower = new double[m];
            _upper = new double[m];
            _by = new double[m];
            _s = new double[m];
            _y = new double[m];
            _heldInMetric = new bool[m];
            _heldDiagonal = new double[m];
            _compact = new double[m];
            _inverse = new double[m * m];
        }

        if (_workers.Length < _hessianEvaluators.Length)
        {
            _workers = new HessianWorker[_hessianEvaluators.Length];
        }

        for (int w = 0; w < _hessianEvaluators.Length; w++)
        {
            if (_workers[w] is null || _workers[w].Full.Length < n)
            {
                _workers[w] = new HessianWorker(n);
            }
        }
    }

    /// <summary>Value and gradient (free part) at the free parameters <paramref name="x"/>; +∞ when not finite.</summary>
    private double Evaluate(double[] x, double[] g)
    {
        for (int i = 0; i < _m; i++)
        {
            _full[_free[i]] = x[i];
        }

        double f = _evaluator.ValueAndGradient(_full.AsSpan(0, _n), _fullGradient.AsSpan(0, _n));
        _evaluations++;
        bool finite = double.IsFinite(f);
        for (int i = 0; i < _m; i++)
        {
            double gi = _fullGradient[_free[i]];
            g[i] = gi;
            finite &= double.IsFinite(gi);
        }

        return finite ? f : double.PositiveInfinity;
    }

    /// <summary>A free parameter is held when it sits on a bound and the gradient points out of the box.</summary>
    private void UpdateActiveSet()
    {
        _reducedFactorCurrent = false;
        for (int i = 0; i < _m; i++)
        {
            _active[i] = (_x[i] <= _lower[i] && _g[i] > 0) || (_x[i] >= _upper[i] && _g[i] < 0);
        }
    }

    /// <summary>
    /// d = −B·g over the parameters not held; returns the EDM estimate ½ gᵀB g. B is first reduced to the parameters
    /// not held (see <see cref="ReduceMetricToFreeParameters"/>), so its rows and columns of held ones are zero.
    /// </summary>
    private double QuasiNewtonDirection(bool afterReset = false)
    {
        ReduceMetricToFreeParameters();
        int m = _m;
        ReadOnlySpan<double> g = _g.AsSpan(0, m);
        double edm = 0;
        for (int i = 0; i < m; i++)
        {
            if (_active[i])
            {
                _direction[i] = 0;
                continue;
            }

            double sum = DenseCholesky.Dot(_inverse.AsSpan(i * m, m), g);
            _direction[i] = -sum;
            edm += g[i] * sum;
        }

        edm *= 0.5;
        if (!(edm >= 0) && !afterReset)
        {
            // Rounding made the approximation indefinite: start again from the Hessian.
            if (!_hessianValid)
            {
                ComputeHessian();
            }

            SetInverseFromHessian();
            return QuasiNewtonDirection(afterReset: true);
        }

        // A positive definite metric leaves only rounding at a vanishing gradient: a negative EDM is zero then.
        return Math.Max(edm, 0.0);
    }

    /// <summary>
    /// Keeps B the inverse-Hessian approximation of the parameters not held on a bound. Holding parameter a replaces
    /// B by B − B·e_a·e_aᵀ·B / B_aa: the inverse of the Hessian block of the others (the Schur complement), which is
    /// what the Newton step with a held, correlated parameter needs; B_FF alone would point along the old valley
    /// and cost many iterations (a POI held at 0 is strongly correlated with the normalisations). Releasing a
    /// restores the diagonal it had when it was held; BFGS rebuilds its correlations.
    /// </summary>
    private void ReduceMetricToFreeParameters()
    {
        int m = _m;
        for (int a = 0; a < m; a++)
        {
            if (_active[a] == _heldInMetric[a])
            {
                continue;
            }

            Span<double> rowA = _inverse.AsSpan(a * m, m);
            if (_active[a])
            {
                double pivot = rowA[a];
                _heldDiagonal[a] = pivot;
                if (pivot > 0 && double.IsFinite(pivot))
                {
                    rowA.CopyTo(_by);
                    ReadOnlySpan<double> column = _by.AsSpan(0, m);
                    for (int i = 0; i < m; i++)
                    {
                        double factor = column[i] / pivot;
                        if (factor != 0)
                        {
                            DenseCholesky.AddScaled(_inverse.AsSpan(i * m, m), -factor, column);
                        }
                    }
                }

                rowA.Clear();
                for (int i = 0; i < m; i++)
                {
                    _inverse[(i * m) + a] = 0;
                }
            }
            else
            {
                double diagonal = _heldDiagonal[a];
                if (!(diagonal > 0) || !double.IsFinite(diagonal))
                {
                    double curvature = _hessianValid ? Math.Abs(HessianMatrix[(a * m) + a]) : 0;
                    diagonal = curvature > 0 && double.IsFinite(curvature) ? 1.0 / curvature : 1.0;
                }

                rowA[a] = diagonal;
            }

            _heldInMetric[a] = _active[a];
        }
    }

    /// <summary>
    /// d = −H_II⁻¹ g_I over the set I of parameters not held on a bound; returns EDM = ½ g_Iᵀ H_II⁻¹ g_I. When H_II is
    /// not positive definite a multiple of its diagonal is added (Levenberg) and <paramref name="positiveDefinite"/> is false.
    /// </summary>
    private double NewtonDirection(out bool positiveDefinite)
    {
        int count = 0;
        for (int i = 0; i < _m; i++)
        {
            if (!_active[i])
            {
                _inactive[count++] = i;
            }
        }

        positiveDefinite = true;
        double damping = 0;
        _reducedFactorCurrent = false;
        while (!FactorReduced(count, damping))
        {
            positiveDefinite = false;
            damping = damping == 0 ? 1e-8 : damping * 10;
            if (damping > 1e8)
            {
                // Nothing sensible left: fall back to a scaled gradient step.
                for (int i = 0; i < _m; i++)
                {
                    _direction[i] = 0;
                }

                double edmFallback = 0;
                for (int a = 0; a < count; a++)
                {
                    int i = _inactive[a];
                    double scale = 1.0 / Math.Max(Math.Abs(HessianMatrix[(i * _m) + i]), 1e-300);
                    _direction[i] = -scale * _g[i];
                    edmFallback += scale * _g[i] * _g[i];
                }

                return 0.5 * edmFallback;
            }
        }

        _reducedFactorCurrent = damping == 0;
        Span<double> rhs = _compact.AsSpan(0, count);
        for (int a = 0; a < count; a++)
        {
            rhs[a] = _g[_inactive[a]];
        }

        DenseCholesky.Solve(FactorMatrix.AsSpan(0, count * count), count, rhs);
        double edm = 0;
        for (int i = 0; i < _m; i++)
        {
            _direction[i] = 0;
        }

        for (int a = 0; a < count; a++)
        {
            int i = _inactive[a];
            _direction[i] = -rhs[a];
            edm += _g[i] * rhs[a];
        }

        return 0.5 * edm;
    }

    private bool FactorReduced(int count, double damping)
    {
        Span<double> factor = FactorMatrix.AsSpan(0, count * count);
        double[] hessian = HessianMatrix;
        for (int a = 0; a < count; a++)
        {
            int i = _inactive[a];
            for (int b = 0; b < count; b++)
            {
                factor[(a * count) + b] = hessian[(i * _m) + _inactive[b]];
            }

            factor[(a * count) + a] += damping * Math.Abs(hessian[(i * _m) + i]);
        }

        return DenseCholesky.Factor(factor, count);
    }

    /// <summary>
    /// Backtracking along the projection arc x(α) = P(x + α d) until f(x(α)) ≤ f + c·gᵀ(x(α) − x); with
    /// <paramref name="extrapolate"/>, a full step may then be extended (<see cref="Extrapolate"/>). Leaves the
    /// accepted point in the trial buffers.
    /// </summary>
    private bool LineSearch(double f, out double fNew, bool extrapolate = false)
    {
        double alpha = 1.0;
        for (int t = 0; t < MaxBacktracks; t++)
        {
            double slope = 0;
            bool moved = false;
            for (int i = 0; i < _m; i++)
            {
                double xi = Math.Clamp(_x[i] + (alpha * _direction[i]), _lower[i], _upper[i]);
                _xTrial[i] = xi;
                double step = xi - _x[i];
                moved |= step != 0;
                slope += _g[i] * step;
            }

            if (!moved || _evaluations >= _options.MaxEvaluations)
            {
                fNew = f;
                return false;
            }

            fNew = Evaluate(_xTrial, _gTrial);
            if (fNew <= f + (ArmijoFactor * slope) && slope < 0)
            {
                if (extrapolate && t == 0)
                {
                    fNew = Extrapolate(fNew, alpha);
                }

                return true;
            }

            if (double.IsFinite(fNew) && slope < 0)
            {
                // Minimum of the parabola through f, the slope and fNew, kept within [0.1, 0.5] of the step.
                double curvature = fNew - f - slope;
                double next = curvature > 0 ? -0.5 * slope / curvature : 0.5;
                alpha *= Math.Clamp(next, 0.1, 0.5);
            }
            else
            {
                alpha *= 0.1;
            }
        }

        fNew = f;
        return false;
    }

    /// <summary>
    /// After a full quasi-Newton step that was accepted while the objective still falls steeply at its end (the
    /// approximation overestimates the curvature, typical after a start far from the minimum, where a likelihood
    /// is stiffer), longer steps along the same arc, to the minimum of the parabola through the two directional
    /// derivatives (2–8 times longer), as long as they lower the objective. The BFGS update from the longer step
    /// learns the smaller curvature in one iteration instead of many.
    /// </summary>
    private double Extrapolate(double fAccepted, double alpha)
    {
        for (int e = 0; e < MaxExtrapolations; e++)
        {
            double slopeStart = 0;
            double slopeEnd = 0;
            for (int i = 0; i < _m; i++)
            {
                double step = _xTrial[i] - _x[i];
                slopeStart += _g[i] * step;
                slopeEnd += _gTrial[i] * step;
            }

            if (!(slopeEnd < ExtrapolationSlope * slopeStart) || _evaluations >= _options.MaxEvaluations)
            {
                break;
            }

            alpha *= Math.Clamp(slopeStart / (slopeStart - slopeEnd), 2.0, 8.0);
            bool moved = false;
            for (int i = 0; i < _m; i++)
            {
                double xi = Math.Clamp(_x[i] + (alpha * _direction[i]), _lower[i], _upper[i]);
                _xExtra[i] = xi;
                moved |= xi != _xTrial[i];
            }

            if (!moved)
            {
                break;
            }

            double fExtra = Evaluate(_xExtra, _gExtra);
            if (!(fExtra < fAccepted))
            {
                break;
            }

            fAccepted = fExtra;
            Swap(ref _xTrial, ref _xExtra);
            Swap(ref _gTrial, ref _gExtra);
        }

        return fAccepted;
    }

    /// <summary>BFGS update of the inverse approximation with s = x_trial − x, y = g_trial − g (skipped when sᵀy ≤ 0).</summary>
    private void UpdateInverse()
    {
        int m = _m;
        Span<double> s = _s.AsSpan(0, m);
        Span<double> y = _y.AsSpan(0, m);
        for (int i = 0; i < m; i++)
        {
            s[i] = _xTrial[i] - _x[i];
            // Held parameters have zero rows and columns in B and do not move: their gradient change carries no
            // curvature of the free ones.
            y[i] = _heldInMetric[i] ? 0 : _gTrial[i] - _g[i];
        }

        double sy = DenseCholesky.Dot(s, y);
        double ss = DenseCholesky.Dot(s, s);
        double yy = DenseCholesky.Dot(y, y);
        if (!(sy > 1e-12 * Math.Sqrt(ss * yy)))
        {
            return;
        }

        double rho = 1.0 / sy;
        Span<double> by = _by.AsSpan(0, m);
        for (int i = 0; i < m; i++)
        {
            by[i] = DenseCholesky.Dot(_inverse.AsSpan(i * m, m), y);
        }

        double yBy = DenseCholesky.Dot(y, by);

        // B⁺ = B − ρ(s·(By)ᵀ + (By)·sᵀ) + (ρ²·yᵀBy + ρ)·s·sᵀ, row by row: row_i += (c·s_i − ρ·By_i)·s − ρ·s_i·By.
        double c = (rho * rho * yBy) + rho;
        for (int i = 0; i < m; i++)
        {
            DenseCholesky.AddScaled(_inverse.AsSpan(i * m, m), (c * s[i]) - (rho * by[i]), s, -rho * s[i], by);
        }
    }

    /// <summary>
    /// B = covariance/(2·up) over the free parameters when a usable start covariance is given (finite, positive
    /// diagonal, positive definite); false otherwise.
    /// </summary>
    private bool SetInverseFromCovariance(double[][]? covariance)
    {
        if (covariance is null || covariance.Length != _n)
        {
            return false;
        }

        int m = _m;
        double scale = 1.0 / (2.0 * _options.ErrorDefinition);
        for (int a = 0; a < m; a++)
        {
            double[] row = covariance[_free[a]];
            if (row is null || row.Length != _n)
            {
                return false;
            }

            Span<double> target = _inverse.AsSpan(a * m, m);
            for (int b = 0; b < m; b++)
            {
                double value = row[_free[b]] * scale;
                if (!double.IsFinite(value))
                {
                    return false;
                }

                target[b] = value;
            }
        }

        // Positive definiteness keeps −B·g a descent direction. Every principal submatrix of a positive definite
        // matrix is positive definite, so a covariance that passed for a set of free parameters needs no new check
        // for the same or fewer (the toys and scan points of one study share one covariance). A new set is checked
        // together with the sets before it (a ranking's fits each fix another parameter: one O(n³) factorisation
        // instead of one per fit), and alone only when that union is not positive definite. What was checked is
        // shared by every minimizer (CheckedCovariances), so a batch's workers do not each factor it again.
        if (!CoveredByCheckedCovariance(covariance)
            && !PositiveDefiniteOver(covariance, withCheckedBefore: true)
            && !PositiveDefiniteOver(covariance, withCheckedBefore: false))
        {
            return false;
        }

        MetricReset();
        return true;
    }

    /// <summary>
    /// Factors <paramref name="covariance"/> over the free parameters, joined by those it was checked over before
    /// when <paramref name="withCheckedBefore"/>; on success records the set as checked.
    /// </summary>
    private bool PositiveDefiniteOver(double[][] covariance, bool withCheckedBefore)
    {
        bool[]? checkedBefore = withCheckedBefore ? CheckedCovariances.Known(covariance, _n) : null;
        if (withCheckedBefore && checkedBefore is null)
        {
            return false;
        }

        int[] index = _checkIndex.Length >= _n ? _checkIndex : (_checkIndex = new int[_n]);
        int count = 0;
        for (int i = 0, a = 0; i < _n; i++)
        {
            bool free = a < _m && _free[a] == i;
            a += free ? 1 : 0;
            if (free || (checkedBefore is not null && checkedBefore[i]))
            {
                index[count++] = i;
            }
        }

        if (_checkFactor.Length < count * count)
        {
            _checkFactor = new double[count * count];
        }

        Span<double> factor = _checkFactor.AsSpan(0, count * count);
        for (int a = 0; a < count; a++)
        {
            double[] row = covariance[index[a]];
            if (row is null || row.Length != _n)
            {
                return false;
            }

            for (int b = 0; b < count; b++)
            {
                double value = row[index[b]];
                if (!double.IsFinite(value))
                {
                    return false;
                }

                factor[(a * count) + b] = value;
            }
        }

        if (!DenseCholesky.Factor(factor, count))
        {
            return false;
        }

        bool[] over = new bool[_n];
        for (int a = 0; a < count; a++)
        {
            over[index[a]] = true;
        }

        CheckedCovariances.Record(covariance, over);
        return true;
    }

    private bool CoveredByCheckedCovariance(double[][] covariance)
    {
        bool[]? checkedBefore = CheckedCovariances.Known(covariance, _n);
        if (checkedBefore is null)
        {
            return false;
        }

        for (int a = 0; a < _m; a++)
        {
            if (!checkedBefore[_free[a]])
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// B = diag(variance/(2·up)) over the free parameters when variances are given; an entry that is not finite and
    /// positive becomes 1/H_aa from one forward difference of the gradient (1 where that curvature is not positive).
    /// </summary>
    private bool SetInverseFromVariances(double[]? variances)
    {
        if (variances is null || variances.Length != _n)
        {
            return false;
        }

        int m = _m;
        double scale = 1.0 / (2.0 * _options.ErrorDefinition);
        _inverse.AsSpan(0, m * m).Clear();
        for (int a = 0; a < m; a++)
        {
            double value = variances[_free[a]] * scale;
            if (!(value > 0) || !double.IsFinite(value))
            {
                HessianRows(0, a, a + 1);
                _evaluations++;
                double curvature = HessianMatrix[(a * m) + a];
                value = curvature > 0 && double.IsFinite(curvature) ? 1.0 / curvature : 1.0;
            }

            _inverse[(a * m) + a] = value;
        }

        MetricReset();
        return true;
    }

    /// <summary>B = H⁻¹ from the current Hessian (with Levenberg damping if it is not positive definite).</summary>
    private void SetInverseFromHessian()
    {
        int m = _m;
        Span<double> factor = FactorMatrix.AsSpan(0, m * m);
        double[] hessian = HessianMatrix;
        _reducedFactorCurrent = false;
        for (double damping = 0; damping <= 1e8; damping = damping == 0 ? 1e-8 : damping * 100)
        {
            hessian.AsSpan(0, m * m).CopyTo(factor);
            for (int i = 0; i < m; i++)
            {
                factor[(i * m) + i] += damping * Math.Abs(hessian[(i * m) + i]);
            }

            if (DenseCholesky.Factor(factor, m))
            {
                DenseCholesky.Invert(factor, m, _inverse, TriangleMatrix);
                MetricReset();
                return;
            }
        }

        _inverse.AsSpan(0, m * m).Clear();
        for (int i = 0; i < m; i++)
        {
            double diagonal = Math.Abs(hessian[(i * m) + i]);
            _inverse[(i * m) + i] = diagonal > 0 && double.IsFinite(diagonal) ? 1.0 / diagonal : 1.0;
        }

        MetricReset();
    }

    /// <summary>B was just set over all free parameters: the held ones are reduced out again before it is used.</summary>
    private void MetricReset()
    {
        _inverseValid = true;
        _heldInMetric.AsSpan(0, _m).Clear();
    }

    /// <summary>
    /// The Hessian over the free parameters at the current point: the objective's own when it has one, else forward
    /// differences of the analytic gradient, one evaluation per parameter (backwards where the step would leave the
    /// box), symmetrised; in parallel over parameters when several evaluators exist. With steps of
    /// <see cref="RelativeHessianStep"/> the error is far inside what uncertainties need, at half the cost of central
    /// differences.
    /// </summary>
    private void ComputeHessian()
    {
        _reducedFactorCurrent = false;
        int m = _m;
        // Allocated here, before the rows run on several workers.
        double[] hessian = HessianMatrix;
        for (int i = 0; i < m; i++)
        {
            _full[_free[i]] = _x[i];
        }

        if (_evaluator is IHessianEvaluator analytic)
        {
            int n = _n;
            if (_fullHessian.Length < n * n)
            {
                _fullHessian = new double[n * n];
            }

            analytic.Hessian(_full.AsSpan(0, n), _fullHessian.AsSpan(0, n * n));
            _evaluations++;
            _hessianValid = true;
            for (int a = 0; a < m; a++)
            {
                for (int b = 0; b < m; b++)
                {
                    hessian[(a * m) + b] = _fullHessian[(_free[a] * n) + _free[b]];
                }
            }

            return;
        }

        int workers = Math.Min(_hessianEvaluators.Length, m);
        if (workers <= 1)
        {
            HessianRows(0, 0, m);
        }
        else
        {
            // Contiguous blocks of parameters per worker: every row is computed the same way whatever the split. On the
            // fit workers' pool, so the jobs that follow a best fit (scan, ranking, toys) find its threads awake.
            FitWorkers.For(workers, workers, w => HessianRows(w, (int)((long)m * w / workers), (int)((long)m * (w + 1) / workers)));
        }

        _evaluations += m;
        _hessianValid = true;
        for (int i = 0; i < m; i++)
        {
            for (int j = i + 1; j < m; j++)
            {
                double mean = 0.5 * (hessian[(i * m) + j] + hessian[(j * m) + i]);
                hessian[(i * m) + j] = mean;
                hessian[(j * m) + i] = mean;
            }
        }
    }

    /// <summary>Rows <paramref name="from"/> … <paramref name="to"/> − 1: the change of the gradient per step in one parameter.</summary>
    private void HessianRows(int worker, int from, int to)
    {
        HessianWorker scratch = _workers[worker];
        IObjectiveEvaluator evaluator = _hessianEvaluators[worker];
        // Already allocated when the rows run on several workers (ComputeHessian takes it first).
        double[] hessian = HessianMatrix;
        int n = _n;
        int m = _m;
        Span<double> full = scratch.Full.AsSpan(0, n);
        Span<double> shifted = scratch.Gradient.AsSpan(0, n);
        _full.AsSpan(0, n).CopyTo(full);
        for (int j = from; j < to; j++)
        {
            int p = _free[j];
            double xj = _x[j];
            double h = HessianStep(j);
            // Forward unless the step would leave the box; backwards then if there is room, else up to the bound.
            double step = xj + h <= _upper[j] ? h : xj - h >= _lower[j] ? -h : _upper[j] - xj;
            Span<double> row = hessian.AsSpan(j * m, m);
            if (step == 0)
            {
                row.Clear();
                continue;
            }

            // The step actually taken: x + h rounds, and at steps of ~1e-7 σ that rounding would show.
            double shiftedValue = xj + step;
            full[p] = shiftedValue;
            evaluator.ValueAndGradient(full, shifted);
            full[p] = xj;
            double inverseStep = 1.0 / (shiftedValue - xj);
            for (int i = 0; i < m; i++)
            {
                row[i] = (shifted[_free[i]] - _g[i]) * inverseStep;
            }
        }
    }

    /// <summary>
    /// The difference step for parameter j: <see cref="RelativeHessianStep"/> of its width where the inverse-Hessian
    /// approximation knows it, else of its magnitude (at least that much absolutely).
    /// </summary>
    private double HessianStep(int j)
    {
        double scale = Math.Max(Math.Abs(_x[j]), 1.0);
        double h = RelativeHessianStep * scale;
        double inverseDiagonal = !_inverseValid ? 0 : _heldInMetric[j] ? _heldDiagonal[j] : _inverse[(j * _m) + j];
        if (inverseDiagonal > 0 && double.IsFinite(inverseDiagonal))
        {
            h = Math.Clamp(RelativeHessianStep * Math.Sqrt(inverseDiagonal), 1e-10 * scale, 1e-2 * scale);
        }

        return h;
    }

    private FitResult Result(FitInput input, FitStatus status, string message, double value, double edm, bool withCovariance)
    {
        int n = _n;
        double[] parameters = (double[])input.Initial.Clone();
        for (int i = 0; i < _m; i++)
        {
            parameters[_free[i]] = _x[i];
        }

        List<int> atBound = [];
        for (int i = 0; i < _m; i++)
        {
            if (_active[i])
            {
                atBound.Add(_free[i]);
            }
        }

        double[]? uncertainties = null;
        double[][]? covariance = null;
        double[][]? correlation = null;
        if (withCovariance && _m > 0)
        {
            (uncertainties, covariance, correlation, string? problem) = Covariance(n);
            if (problem is not null)
            {
                message += "; " + problem;
            }
        }
        else if (_options.ComputeUncertainties && status == FitStatus.Converged && _m == 0)
        {
            uncertainties = new double[n];
        }

        return new FitResult
        {
            Status = status,
            Message = message,
            Value = value,
            Parameters = parameters,
            Uncertainties = uncertainties,
            Covariance = covariance,
            Correlation = correlation,
            Edm = edm,
            Iterations = _iterations,
            Evaluations = _evaluations,
            AtBound = [.. atBound],
        };
    }

    /// <summary>
    /// Covariance = 2·up·H⁻¹ over the free parameters not held on a bound. A parameter held on a bound (a signal
    /// strength fitted to 0) is treated as fixed for the others' covariance, as MINUIT's bound transformation does in
    /// effect (its internal-to-external derivative vanishes there); its own uncertainty is the unconstrained estimate
    /// √(2·up·(H⁻¹)_ii) from the full Hessian, and its correlations are reported as 0.
    /// </summary>
    private (double[] Uncertainties, double[][]? Covariance, double[][]? Correlation, string? Problem) Covariance(int n)
    {
        int m = _m;
        double scale = 2.0 * _options.ErrorDefinition;
        double[] uncertainties = new double[n];
        double[][]? covariance = _options.CovarianceMatrices ? SquareMatrix(n) : null;
        double[][]? correlation = _options.CovarianceMatrices ? SquareMatrix(n) : null;

        int count = 0;
        bool anyHeld = false;
        for (int a = 0; a < m; a++)
        {
            if (_active[a])
            {
                anyHeld = true;
            }
            else
            {
                _inactive[count++] = a;
            }
        }

        string? problem = null;
        if (_reducedFactorCurrent || FactorReduced(count, 0.0))
        {
            DenseCholesky.Invert(FactorMatrix.AsSpan(0, count * count), count, _inverse, TriangleMatrix);
            for (int a = 0; a < count; a++)
            {
                uncertainties[_free[_inactive[a]]] = Math.Sqrt(scale * _inverse[(a * count) + a]);
            }

            for (int a = 0; covariance is not null && correlation is not null && a < count; a++)
            {
                int i = _free[_inactive[a]];
                for (int b = 0; b < count; b++)
                {
                    int j = _free[_inactive[b]];
                    double c = scale * _inverse[(a * count) + b];
                    covariance[i][j] = c;
                    correlation[i][j] = a == b ? 1.0 : c / (uncertainties[i] * uncertainties[j]);
                }
            }
        }
        else
        {
            for (int a = 0; a < count; a++)
            {
                int i = _free[_inactive[a]];
                uncertainties[i] = double.NaN;
                if (covariance is not null && correlation is not null)
                {
                    Array.Fill(covariance[i], double.NaN);
                    Array.Fill(correlation[i], double.NaN);
                }
            }

            problem = "the Hessian is not positive definite: no uncertainties";
        }

        if (anyHeld)
        {
            Span<double> full = FactorMatrix.AsSpan(0, m * m);
            HessianMatrix.AsSpan(0, m * m).CopyTo(full);
            _reducedFactorCurrent = false;
            bool positive = DenseCholesky.Factor(full, m);
            Span<double> column = _compact.AsSpan(0, m);
            for (int a = 0; a < m; a++)
            {
                if (_active[a])
                {
                    // (H⁻¹)_aa from one solve: the full inverse is not needed for a diagonal entry.
                    double inverseDiagonal = double.NaN;
                    if (positive)
                    {
                        column.Clear();
                        column[a] = 1.0;
                        DenseCholesky.Solve(full, m, column);
                        inverseDiagonal = column[a];
                    }

                    int i = _free[a];
                    uncertainties[i] = Math.Sqrt(scale * inverseDiagonal);
                    if (covariance is not null && correlation is not null)
                    {
                        covariance[i][i] = uncertainties[i] * uncertainties[i];
                        correlation[i][i] = 1.0;
                    }
                }
            }
        }

        return (uncertainties, covariance, correlation, problem);
    }

    private static double[][] SquareMatrix(int n)
    {
        double[][] matrix = new double[n][];
        for (int i = 0; i < n; i++)
        {
            matrix[i] = new double[n];
        }

        return matrix;
    }

    private static string Format(double value) => value.ToString("G3", CultureInfo.InvariantCulture);

    private static void Swap(ref double[] a, ref double[] b) => (a, b) = (b, a);

    private sealed class HessianWorker(int n)
    {
        public double[] Full { get; } = new double[n];

        public double[] Gradient { get; } = new double[n];
    }
}
