public class HelloThrows {
    public static void main(String[] args) {
        System.out.println("Hello world!");
        throw new RuntimeException("and then this");
    }
}
